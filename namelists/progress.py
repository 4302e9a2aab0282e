"""The progress bar of a running preview or commit, kept in the cache: a plain UPDATE outside the commit's
transaction would wait for it, the cache is seen at once."""

from __future__ import annotations

from typing import Callable

from django.core.cache import cache

from .models import ImportBatch

Progress = Callable[[int, str], None]


def _cache_key(batch_id: int) -> str:
    return f"namelist:progress:{batch_id}"


def progress_for(batch_id: int) -> Progress:
    def report(pct: int, note: str) -> None:
        cache.set(_cache_key(batch_id), (pct, note), 3600)

    return report


def read_progress(batch: ImportBatch) -> tuple[int, str]:
    if batch.status != ImportBatch.Status.RUNNING:
        return (100, batch.get_status_display()) if batch.status in ("committed", "previewed") else (0, "")
    return cache.get(_cache_key(batch.id)) or (batch.progress, batch.progress_note)


def clear_progress(batch_id: int) -> None:
    cache.delete(_cache_key(batch_id))

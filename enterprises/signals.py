"""Reactions of the registry to other apps' writes, wired in EnterprisesConfig.ready()."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save


def _after_namelist_commit(sender, instance, **kwargs) -> None:
    """A committed 四上 name list graduates the 小升规-pool firms on it, once the import's transaction commits."""
    if instance.status != "committed" or instance.list_kind != "sishang" or not instance.year:
        return
    year = instance.year

    def graduate() -> None:
        from enterprises.services.pools import graduate_from_sishang

        graduate_from_sishang(year)

    transaction.on_commit(graduate)


def connect() -> None:
    post_save.connect(_after_namelist_commit, sender="namelists.ImportBatch",
                      dispatch_uid="enterprises.graduate_after_sishang_import")

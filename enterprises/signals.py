"""Reactions of the registry to other apps' writes, wired in EnterprisesConfig.ready()."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save, pre_delete


def _after_namelist_commit(sender, instance, **kwargs) -> None:
    """A committed 四上 name list graduates the 小升规-pool firms on it, once the import's transaction commits."""
    if instance.status != "committed" or instance.list_kind != "sishang" or not instance.year:
        return
    year = instance.year

    def graduate() -> None:
        from enterprises.services.pools import graduate_from_sishang

        graduate_from_sishang(year)

    transaction.on_commit(graduate)


def _reconcile_park_liaisons_after_import(sender, instance, **kwargs) -> None:
    """A committed name list may have closed firms (moved out, deregistered) or moved them between streets: their
    park-derived liaison rows follow, in one set-based reconcile once the import's transaction commits."""
    from namelists.services import LIST_KIND_HANDLERS

    if instance.status != "committed" or instance.list_kind in LIST_KIND_HANDLERS:
        return  # only the registry's own lists change firms (other kinds are handled by their apps)

    def reconcile() -> None:
        from enterprises.services.liaison import sync_park_liaisons

        sync_park_liaisons()

    transaction.on_commit(reconcile)


def _end_park_liaisons_before_delete(sender, instance, **kwargs) -> None:
    """A deleted park's tenants are no longer its officer's: end those rows before the FK is nulled (which would
    make them look hand-made)."""
    from enterprises.services.liaison import end_park_liaisons

    end_park_liaisons([instance.pk])


def connect() -> None:
    post_save.connect(_after_namelist_commit, sender="namelists.ImportBatch",
                      dispatch_uid="enterprises.graduate_after_sishang_import")
    post_save.connect(_reconcile_park_liaisons_after_import, sender="namelists.ImportBatch",
                      dispatch_uid="enterprises.park_liaisons_after_import")
    pre_delete.connect(_end_park_liaisons_before_delete, sender="enterprises.Park",
                       dispatch_uid="enterprises.end_park_liaisons")

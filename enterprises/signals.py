"""Reactions of the registry to other apps' writes, wired in EnterprisesConfig.ready()."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete


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


def _visit_changed(sender, instance, **kwargs) -> None:
    """A visit saved or deleted through the ORM: its firm's last visit date. Bulk writers (bulk_create, COPY,
    QuerySet.update/delete) send no signals and call enterprises.services.standing.refresh_last_visits."""
    from enterprises.services.standing import refresh_last_visits

    refresh_last_visits([instance.enterprise_id])


def _visit_officers_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Visit.officers changed (log_visit sets them after saving the visit): the firms' 30-day visitor counts."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    from enterprises.models import Visit
    from enterprises.services.standing import refresh_last_visits

    if not reverse:
        refresh_last_visits([instance.enterprise_id])
    elif pk_set:
        refresh_last_visits(set(Visit.objects.filter(pk__in=pk_set).values_list("enterprise_id", flat=True)))


def _coverage_changed(sender, instance, **kwargs) -> None:
    """An assignment or a classification saved or deleted through the ORM: its firm's coverage flags. Bulk writers
    call enterprises.services.standing.refresh_coverage_flags."""
    from enterprises.services.standing import refresh_coverage_flags

    refresh_coverage_flags([instance.enterprise_id])


def connect() -> None:
    from enterprises.models import Classification, LiaisonAssignment, Visit

    m2m_changed.connect(_visit_officers_changed, sender=Visit.officers.through,
                        dispatch_uid="enterprises.standing.visit_officers")
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(_visit_changed, sender=Visit, dispatch_uid=f"enterprises.standing.visit.{name}")
        for model in (LiaisonAssignment, Classification):
            signal.connect(_coverage_changed, sender=model,
                           dispatch_uid=f"enterprises.standing.{model.__name__}.{name}")

    post_save.connect(_after_namelist_commit, sender="namelists.ImportBatch",
                      dispatch_uid="enterprises.graduate_after_sishang_import")
    post_save.connect(_reconcile_park_liaisons_after_import, sender="namelists.ImportBatch",
                      dispatch_uid="enterprises.park_liaisons_after_import")
    pre_delete.connect(_end_park_liaisons_before_delete, sender="enterprises.Park",
                       dispatch_uid="enterprises.end_park_liaisons")

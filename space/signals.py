"""Keep the park rollups current on single-row writes, and after the imports that write in bulk.

Single saves and deletes (firm form, admin, services, the vacancy pages) refresh the parks concerned at once, in the
writer's transaction: one park's refresh is a handful of indexed statements. Bulk writers bypass model signals, so
the name-list commit and the vacancy import are followed by a whole refresh after their commit, and a nightly task
(space.refresh_park_rollups) catches anything else.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save

def _refresh(park_ids, years=None) -> None:
    from space.services.rollup import refresh

    ids = {pk for pk in park_ids if pk is not None}
    if ids:
        refresh(ids, years)


def _remember_place(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Before a firm or vacancy is saved: the park it sits in now and its status (a move refreshes both parks)."""
    instance._space_old_place = None
    instance._space_skip = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and sender._meta.model_name == "enterprise" and not (
            {"park", "park_id", "status"} & set(update_fields)):
        instance._space_skip = True  # e.g. a name or contact change: nothing the rollups count
        return
    instance._space_old_place = sender.objects.filter(pk=instance.pk).values_list("park_id", "status").first()


def _after_place_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw or getattr(instance, "_space_skip", False):
        return
    old = getattr(instance, "_space_old_place", None)
    if sender._meta.model_name == "vacancy":  # its area, status or park: the year-free rollup only
        _refresh([instance.park_id, old[0] if old else None], years=[])
    elif created or old is None:
        _refresh([instance.park_id])
    elif old != (instance.park_id, instance.status):
        _refresh([old[0], instance.park_id])


def _after_place_delete(sender, instance, **kwargs) -> None:
    _refresh([instance.park_id], years=[] if sender._meta.model_name == "vacancy" else None)


def _after_firm_fact(sender, instance, raw=False, **kwargs) -> None:
    """An annual figure or classification saved or deleted: the park of its firm (a figure: only its year)."""
    if raw:
        return
    from enterprises.models import Enterprise

    years = [instance.year] if sender._meta.model_name == "annualfigure" else None
    _refresh(Enterprise.objects.filter(pk=instance.enterprise_id).values_list("park_id", flat=True), years)


def _after_namelist_commit(sender, instance, **kwargs) -> None:
    """A committed registry list (firms, figures, facts; not the kinds other apps handle, like monthly figures)."""
    from namelists.services import LIST_KIND_HANDLERS

    if instance.status == "committed" and instance.list_kind not in LIST_KIND_HANDLERS:
        from space.services.rollup import refresh_after_commit

        refresh_after_commit()


def _after_vacancy_import(sender, park_ids, **kwargs) -> None:
    from space.services.rollup import refresh_after_commit

    refresh_after_commit(park_ids, years=[])


def connect() -> None:
    from pipelines.signals import vacancies_changed

    for model in ("enterprises.Enterprise", "pipelines.Vacancy"):
        pre_save.connect(_remember_place, sender=model, dispatch_uid=f"space.rollup.pre.{model}")
        post_save.connect(_after_place_save, sender=model, dispatch_uid=f"space.rollup.post.{model}")
        post_delete.connect(_after_place_delete, sender=model, dispatch_uid=f"space.rollup.delete.{model}")
    for model in ("enterprises.AnnualFigure", "enterprises.Classification"):
        post_save.connect(_after_firm_fact, sender=model, dispatch_uid=f"space.rollup.post.{model}")
        post_delete.connect(_after_firm_fact, sender=model, dispatch_uid=f"space.rollup.delete.{model}")
    post_save.connect(_after_namelist_commit, sender="namelists.ImportBatch", dispatch_uid="space.rollup.namelists")
    vacancies_changed.connect(_after_vacancy_import, dispatch_uid="space.rollup.vacancies")

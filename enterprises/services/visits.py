"""Visits (走访): logging a visit with its problems and attachments, and the seam to the appeals app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from enterprises.models import Enterprise, Visit, VisitAttachment, VisitCampaign, VisitProblem, VisitTopic

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from crm.models import User


def appeals_available() -> bool:
    """True when the appeals app offers the function that turns a visit's problem into an appeal."""
    try:
        from appeals import services as appeal_services  # noqa: PLC0415 - optional app, imported lazily
    except ImportError:
        return False
    return callable(getattr(appeal_services, "create_appeal_from_visit_problem", None))


def raise_appeal_from_problem(problem: VisitProblem, actor: User):
    """Turn a problem found on a visit into an appeal (企业诉求). The appeals app owns the workflow; this is the
    only place the enterprises app calls into it, lazily, so enterprises never depends on appeals."""
    if not appeals_available():
        raise ValidationError("诉求模块尚未启用，暂不能将问题转为诉求")
    from appeals.services import create_appeal_from_visit_problem  # noqa: PLC0415

    return create_appeal_from_visit_problem(problem=problem, actor=actor)

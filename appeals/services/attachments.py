"""Files attached to an appeal. The upload check (size, type sniffed from the content) is crm.filetypes';
serving them is the attachment view's (through crm's one serving function)."""

from __future__ import annotations

from django.utils import timezone

from appeals.models import Appeal, AppealAttachment
from appeals.services.common import log
from appeals.services.permissions import WorkflowError, authorize
from crm import filetypes
from crm.models import User

__all__ = ["MAX_ATTACHMENT_BYTES", "add_attachment"]

MAX_ATTACHMENT_BYTES = filetypes.MAX_ATTACHMENT_BYTES


def add_attachment(appeal: Appeal, *, actor: User | None, upload) -> AppealAttachment:
    authorize(actor, "attach", appeal)
    try:
        filetypes.check_upload(upload, max_bytes=MAX_ATTACHMENT_BYTES)
    except filetypes.FileTypeError as exc:
        raise WorkflowError(str(exc)) from exc
    attachment = AppealAttachment.objects.create(appeal=appeal, file=upload, name=upload.name[:200],
                                                 uploaded_by=actor)
    log(appeal, actor, timezone.now(), "attach", upload.name[:200], appeal.status)
    return attachment

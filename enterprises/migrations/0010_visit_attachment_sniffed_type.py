"""Visit attachments recorded the browser's claimed Content-Type, and `is_image` trusted it (issue 15 §1: an SVG
or a script claimed as an image was shown inline). Re-sniff every stored file and record the type its content
has; a file that is missing or of no allowed kind gets the neutral download type."""

from django.db import migrations


def resniff(apps, schema_editor):
    from crm.filetypes import sniff
    from crm.uploads import FALLBACK_TYPE, content_type_for

    VisitAttachment = apps.get_model("enterprises", "VisitAttachment")
    for attachment in VisitAttachment.objects.only("pk", "file", "original_name", "content_type").iterator():
        try:
            with attachment.file.open("rb") as handle:
                content_type = content_type_for(sniff(handle), attachment.original_name or attachment.file.name)
        except (OSError, ValueError):
            content_type = FALLBACK_TYPE
        if content_type != attachment.content_type:
            VisitAttachment.objects.filter(pk=attachment.pk).update(content_type=content_type)


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0009_drop_street_community_index")]

    operations = [migrations.RunPython(resniff, migrations.RunPython.noop)]

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.scoping import sees_all_streets, visible_streets

from .headers import FIELD_CHOICES
from .models import ListKind


class UploadForm(forms.Form):
    file = forms.FileField(label=_("名录文件"), help_text=_("支持 .xlsx、.xls、.csv（UTF-8 或 GBK）"))
    list_kind = forms.ChoiceField(label=_("名录类型"), choices=ListKind.choices)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1990, max_value=2100,
                              help_text=_("留空则从标题或文件名识别，识别不到用今年"))
    street = forms.ModelChoiceField(label=_("限定街道"), queryset=None, required=False,
                                    empty_label=_("全区（按各行“街道”列归属）"))
    close_missing = forms.BooleanField(label=_("这是全量名单：关闭不在名单中企业的同类分类"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["street"].queryset = visible_streets(user)
        if not sees_all_streets(user):
            self.fields["street"].required = True
            self.fields["street"].empty_label = None
            self.fields["street"].initial = user.street_id
        self.fields["year"].widget.attrs["placeholder"] = str(timezone.localdate().year)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.NAMELIST_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件过大：上限 %(mb)d MB") % {"mb": settings.NAMELIST_MAX_UPLOAD_BYTES // 1048576})
        return f


class MappingForm(forms.Form):
    """One select per source column; prefilled with the detected mapping."""

    def __init__(self, *args, headers: list[str], mapping: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        for i, header in enumerate(headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=header or _("（第 %(n)d 列，无标题）") % {"n": i + 1}, choices=FIELD_CHOICES, required=False,
                initial=mapping.get(i, ""))

    def mapping(self) -> dict[int, str]:
        return {i: self.cleaned_data.get(f"col_{i}") for i in range(len(self.headers)) if self.cleaned_data.get(f"col_{i}")}

    def rows(self):
        return [(self.headers[i], self[f"col_{i}"]) for i in range(len(self.headers))]

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.scoping import sees_all_streets, visible_streets

from .headers import FIELD_CHOICES
from .kinds import importable_kinds, spec
from .models import ListKind


class UploadForm(forms.Form):
    list_kind = forms.ChoiceField(label=_("导入类型"), choices=ListKind.choices)
    file = forms.FileField(label=_("文件"), help_text=_("支持 .xlsx、.xls、.csv（UTF-8 或 GBK）"))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1990, max_value=2100,
                              help_text=_("名录：留空则从标题或文件名识别，识别不到用今年"))
    month = forms.CharField(label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}),
                            help_text=_("固投月报必填；月度经济数据留空则从标题识别。重新导入同一月份将整体替换该月数据"))
    street = forms.ModelChoiceField(label=_("限定街道"), queryset=None, required=False,
                                    empty_label=_("全区（按各行“街道”列归属）"),
                                    help_text=_("园区楼宇台账、固投月报须选择街道"))
    close_missing = forms.BooleanField(label=_("这是全量名单：关闭不在名单中企业的同类分类"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        kinds = importable_kinds(user)
        self.fields["list_kind"].choices = [(k, label) for k, label in ListKind.choices if k in kinds]
        self.kind_specs = [(label, spec(k)) for k, label in self.fields["list_kind"].choices]
        # A kind's own options (the policy and list type of a policy outcome list …), from its spec.
        self.kind_fields: dict[str, list[str]] = {}
        for kind in kinds:
            for name, field in (spec(kind).fields(user) if spec(kind).fields else {}).items():
                self.fields.setdefault(name, field)
                self.kind_fields.setdefault(kind, []).append(name)
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

    def clean_month(self):
        text = (self.cleaned_data.get("month") or "").strip()
        if text and not re.fullmatch(r"\d{4}-\d{1,2}", text):
            raise forms.ValidationError(_("月份格式应为 2026-03。"))
        return text

    def options(self) -> dict:
        """The selected kind's options, as the batch stores them (JSON)."""
        kind = self.cleaned_data["list_kind"]
        wanted = set(spec(kind).options) | set(self.kind_fields.get(kind, ()))
        out = {}
        if "month" in wanted and self.cleaned_data.get("month"):
            out["month"] = self.cleaned_data["month"]
        for name in self.kind_fields.get(kind, ()):
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                out[name] = getattr(value, "pk", value)
        return out


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

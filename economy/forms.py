from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm.scoping import sees_all_streets, visible_streets

from .importing import parse_month
from .models import Indicator


class MonthlyUploadForm(forms.Form):
    file = forms.FileField(label=_("月度数据文件"), help_text=_("统计局下发的月报 Excel（每个专业一个工作表）"))
    month = forms.CharField(label=_("月份"), max_length=7, help_text=_("如 2026-05；留空则从标题“2026年1—5月”识别"),
                            required=False)
    indicator = forms.ChoiceField(label=_("指标"), required=False,
                                  choices=[("", _("按工作表名称/标题/表头识别"))] + list(Indicator.choices))
    street = forms.ModelChoiceField(label=_("街道"), queryset=None, required=False,
                                    empty_label=_("全区（按各行“街道”列归属）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = visible_streets(user)
        if not sees_all_streets(user):
            self.fields["street"].required = True
            self.fields["street"].empty_label = None
            self.fields["street"].initial = user.street_id

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.NAMELIST_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件过大：上限 %(mb)d MB") % {"mb": settings.NAMELIST_MAX_UPLOAD_BYTES // 1048576})
        return f

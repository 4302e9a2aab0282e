from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from appeals import sla
from appeals.models import Appeal, AppealCategory, SlaPolicy
from crm.models import Department, Role, User
from enterprises.models import Enterprise


class AppealForm(forms.Form):
    enterprise = forms.ModelChoiceField(queryset=Enterprise.objects.none(), label=_("企业"))
    category = forms.ModelChoiceField(queryset=AppealCategory.objects.filter(is_active=True), label=_("类别"))
    source = forms.ChoiceField(choices=Appeal.Source.choices, label=_("来源"))
    urgency = forms.ChoiceField(choices=Appeal._meta.get_field("urgency").choices, label=_("紧急程度"))
    title = forms.CharField(max_length=120, required=False, label=_("标题"))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("诉求内容"))
    contact_name = forms.CharField(max_length=50, required=False, label=_("企业联系人"))
    contact_phone = forms.CharField(max_length=30, required=False, label=_("联系电话"))
    officer = forms.ModelChoiceField(queryset=User.objects.none(), label=_("责任专员"))
    attachment = forms.FileField(required=False, label=_("附件"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.visible_to(user).order_by("name")
        officers = User.objects.filter(role__in=(Role.OFFICER, Role.MANAGER), is_active=True)
        if user is not None and user.street_id:
            officers = officers.filter(street_id=user.street_id)
        self.fields["officer"].queryset = officers.order_by("username")


class PolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = ["category", "urgency", "sign", "response", "resolution", "followup", "department",
                  "warning_share", "escalate_after"]

    def clean(self):
        data = super().clean()
        for name in ("sign", "response", "resolution", "followup", "department", "escalate_after"):
            value = data.get(name)
            if value:
                try:
                    sla.parse_duration(value)
                except sla.DurationError as exc:
                    self.add_error(name, str(exc))
        share = data.get("warning_share")
        if share is not None and not 1 <= share <= 99:
            self.add_error("warning_share", _("预警比例应在 1 到 99 之间"))
        return data


class TransferForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.filter(is_active=True), label=_("主办部门"))
    co_departments = forms.ModelMultipleChoiceField(queryset=Department.objects.filter(is_active=True),
                                                    required=False, label=_("协办部门"))
    comment = forms.CharField(required=False, label=_("说明"))

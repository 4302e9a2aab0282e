from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Department, Street
from crm.scoping import sees_all_streets
from policies.models import InformMethod, Policy, Stage
from policies.services import POLICY_FIELDS


class PolicyForm(forms.ModelForm):
    street = forms.ModelChoiceField(Street.objects.all(), required=False, label=_("所属街道"),
                                    empty_label=_("全区适用"))

    class Meta:
        model = Policy
        fields = POLICY_FIELDS
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "window_opens": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "window_closes": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        if self.instance.pk:
            self.fields["street"].initial = self.instance.street_id
        if user is None or not sees_all_streets(user):
            del self.fields["street"]

    def clean(self):
        data = super().clean()
        opens, closes = data.get("window_opens"), data.get("window_closes")
        if opens and closes and closes < opens:
            self.add_error("window_closes", _("申报截止日期不能早于开始日期"))
        low, high = data.get("benefit_min"), data.get("benefit_max")
        if low is not None and high is not None and high < low:
            self.add_error("benefit_max", _("金额上限不能小于下限"))
        for name in ("benefit_min", "benefit_max"):
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, _("金额不能为负数"))
        return data


STEP_CHOICES = [(s.value, s.label) for s in (Stage.INFORMED, Stage.INTENDS, Stage.APPLIED, Stage.APPROVED,
                                               Stage.REJECTED, Stage.PAID)]


class StepForm(forms.Form):
    stage = forms.ChoiceField(label=_("步骤"), choices=STEP_CHOICES)
    on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("告知方式"), choices=[("", "—")] + InformMethod.choices, required=False)
    visit = forms.TypedChoiceField(label=_("关联走访"), required=False, coerce=int, empty_value=None)
    amount = forms.DecimalField(label=_("金额（万元）"), required=False, min_value=0, max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("说明/未获批原因"), required=False, max_length=300)

    def __init__(self, *args, visits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit"].choices = [("", "—")] + [(v.pk, f"{v.date:%Y-%m-%d} {v.notes[:20]}") for v in visits]

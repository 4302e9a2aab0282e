from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Role, Team, User
from enterprises.models import Enterprise, IndustryCategory
from enterprises.uscc import USCCError, validate
from pipelines.metrics import METRICS, metric_choices
from pipelines.models import OPEN_STAGES, Event, Project, ScopeKind, SpaceDemand, Stage, Target

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def street_officers(street_id):
    return User.objects.filter(is_active=True, street_id=street_id,
                               role__in=(Role.OFFICER, Role.MANAGER)).order_by("username")


class ProjectForm(forms.ModelForm):
    enterprise_uscc = forms.CharField(label=_("落地企业统一社会信用代码"), required=False, max_length=30,
                                      help_text=_("投资方在本地注册后填写，关联企业库"))
    industry_code = forms.CharField(label=_("行业代码"), required=False, max_length=8,
                                    help_text=_("GB/T 4754-2017 小类，如 3982"))

    class Meta:
        model = Project
        fields = ["name", "investor_name", "clusters", "planned_investment",
                  "expected_output", "expected_tax", "actual_output", "source", "source_event", "officer", "team",
                  "confidential", "description", "next_action", "next_action_due"]
        widgets = {"next_action_due": DATE, "description": forms.Textarea(attrs={"rows": 3}),
                   "clusters": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args, street_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.street_id = street_id
        self.fields["officer"].queryset = street_officers(street_id)
        self.fields["team"].queryset = Team.objects.filter(street_id=street_id)
        self.fields["source_event"].queryset = Event.objects.filter(street_id=street_id)
        if self.instance.enterprise_id:
            self.fields["enterprise_uscc"].initial = self.instance.enterprise.uscc
        if self.instance.industry_id:
            self.fields["industry_code"].initial = self.instance.industry.code
        is_open = not self.instance.pk or self.instance.stage in OPEN_STAGES
        self.fields["next_action"].required = is_open
        self.fields["next_action_due"].required = is_open

    def clean_enterprise_uscc(self):
        """The landed firm, by its code, among the firms of the street (a select of every firm would be huge)."""
        raw = self.cleaned_data["enterprise_uscc"]
        if not raw.strip():
            return None
        try:
            code = validate(raw).code
        except USCCError as exc:
            raise forms.ValidationError(str(exc)) from exc
        firm = Enterprise.objects.filter(street_id=self.street_id, uscc=code).first()
        if firm is None:
            raise forms.ValidationError(_("本街道企业库中没有该统一社会信用代码的企业，请先在企业库登记。"))
        return firm

    def clean_industry_code(self):
        code = self.cleaned_data["industry_code"].strip().upper()
        if not code:
            return None
        if code[:1].isalpha() and len(code) > 1:
            code = code[1:]  # "C3982" → "3982"
        industry = IndustryCategory.objects.filter(code=code).first()
        if industry is None:
            raise forms.ValidationError(_("未找到该国民经济行业代码（GB/T 4754-2017）。"))
        return industry

    def clean_planned_investment(self):
        value = self.cleaned_data["planned_investment"]
        if value is not None and value < 0:
            raise forms.ValidationError(_("计划投资额不能为负数。"))
        return value

    def project_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("clusters", "industry_code", "enterprise_uscc")}
        data["industry"] = self.cleaned_data.get("industry_code")
        data["enterprise"] = self.cleaned_data.get("enterprise_uscc")
        return data


class StageMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("移至阶段"), choices=Stage.choices)
    on = forms.DateField(label=_("日期"), required=False, widget=DATE)
    note = forms.CharField(label=_("说明"), required=False, max_length=300)
    reason = forms.CharField(label=_("暂缓/流失原因"), required=False, max_length=200)
    next_action = forms.CharField(label=_("下一步工作"), required=False, max_length=200)
    next_action_due = forms.DateField(label=_("计划完成日期"), required=False, widget=DATE)

    def clean_on(self):
        return self.cleaned_data["on"] or timezone.localdate()


class SpaceDemandForm(forms.ModelForm):
    class Meta:
        model = SpaceDemand
        fields = ["space_type", "area", "floor_load", "power_kva", "budget", "needed_by", "note"]
        widgets = {"needed_by": DATE}


class VacancyImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 5MB。"))
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件。"))
        return f


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["title", "kind", "held_on", "location", "organiser", "officer", "team", "summary"]
        widgets = {"held_on": DATE, "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, street_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = street_officers(street_id)
        self.fields["team"].queryset = Team.objects.filter(street_id=street_id)


class TargetForm(forms.ModelForm):
    metric = forms.ChoiceField(label=_("指标"), choices=())

    class Meta:
        model = Target
        fields = ["year", "metric", "scope_kind", "team", "officer", "target_value", "manual_actual", "note"]

    def __init__(self, *args, street_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.street_id = street_id
        self.fields["metric"].choices = metric_choices()
        self.fields["team"].queryset = Team.objects.filter(street_id=street_id)
        self.fields["officer"].queryset = street_officers(street_id)
        self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        kind = data.get("scope_kind")
        if kind == ScopeKind.TEAM and not data.get("team"):
            self.add_error("team", _("专班目标须选择专班。"))
        if kind == ScopeKind.OFFICER and not data.get("officer"):
            self.add_error("officer", _("个人目标须选择责任人。"))
        if kind != ScopeKind.TEAM:
            data["team"] = None
        if kind != ScopeKind.OFFICER:
            data["officer"] = None
        metric = METRICS.get(data.get("metric", ""))
        if metric and not metric.manual and data.get("manual_actual") is not None:
            self.add_error("manual_actual", _("该指标由系统根据数据自动计算，不能手工填报。"))
        year = data.get("year")
        if year and not 2000 <= year <= 2100:
            self.add_error("year", _("年度不正确。"))
        if data.get("metric") and year and kind and not self.errors:
            clash = Target.objects.filter(street_id=self.street_id, year=year, metric=data["metric"], scope_kind=kind,
                                          team=data.get("team"), officer=data.get("officer"))
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError(_("该对象本年度已设置此指标的目标。"))
        return data

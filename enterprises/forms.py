from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Community, User
from crm.permissions import LIAISON_ROLES
from crm.scoping import sees_all_streets, visible_streets
from enterprises.models import (
    Classification,
    Enterprise,
    IndustryCategory,
    LiaisonAssignment,
    Park,
    VisitCampaign,
    VisitProblem,
    VisitRule,
    VisitTopic,
)
from enterprises.services.classification import parse_industry_code
from enterprises.uscc import USCCError, validate


class EnterpriseForm(forms.ModelForm):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=40)
    industry_code = forms.CharField(label=_("行业代码（小类 4 位）"), max_length=40, required=False,
                                    help_text=_("如 3982 或 C3982"))

    class Meta:
        model = Enterprise
        fields = ["uscc", "name", "street", "community", "park", "address", "legal_representative",
                  "registered_capital", "established_on", "status", "clusters"]
        widgets = {"established_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                   "clusters": forms.CheckboxSelectMultiple(attrs={"class": "cluster-choices"})}
        help_texts = {"clusters": _("深圳市“20+8”战略性新兴产业集群和未来产业，可多选；管理员可在后台维护集群名单")}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        streets = visible_streets(user)
        self.fields["street"].queryset = streets
        self.fields["community"].queryset = Community.objects.filter(street__in=streets)
        self.fields["park"].queryset = Park.objects.visible_to(user)
        if self.instance.pk:
            self.fields["uscc"].disabled = True
            if self.instance.industry_id:
                self.fields["industry_code"].initial = self.instance.industry.code
        if streets.count() == 1:
            self.fields["street"].initial = streets.first()
        # 战略性新兴产业 / 未来产业 / 区级 as groups of checkboxes (the queryset still validates the choice).
        groups: dict[str, list] = {}
        for cluster in self.fields["clusters"].queryset:
            groups.setdefault(cluster.get_kind_display(), []).append((cluster.pk, cluster.display_name))
        self.fields["clusters"].choices = list(groups.items())

    def clean_uscc(self):
        if self.instance.pk:
            return self.instance.uscc
        try:
            code = validate(self.cleaned_data["uscc"]).code
        except USCCError as exc:
            raise forms.ValidationError(str(exc)) from None
        if Enterprise.objects.filter(uscc=code).exists():
            raise forms.ValidationError(_("该统一社会信用代码已登记"))
        return code

    def clean_industry_code(self):
        raw = self.cleaned_data.get("industry_code", "")
        if not raw.strip():
            return None
        code = parse_industry_code(raw)
        industry = IndustryCategory.objects.filter(code=code).first()
        if industry is None:
            raise forms.ValidationError(_("未找到该国民经济行业代码（GB/T 4754-2017）"))
        return industry


class VisitForm(forms.Form):
    enterprise = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": _("请选择企业")})
    date = forms.DateField(label=_("走访日期"), initial=timezone.localdate, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    officers = forms.ModelMultipleChoiceField(label=_("同行人员"), queryset=User.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    people_met = forms.CharField(label=_("接待人员"), max_length=200, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": "如：王总（总经理）"}))
    topics = forms.MultipleChoiceField(label=_("走访内容"), choices=VisitTopic.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label=_("走访记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    campaign = forms.ModelChoiceField(label=_("所属活动"), queryset=VisitCampaign.objects.none(), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["officers"].queryset = (
            User.objects.filter(is_active=True, street_id=user.street_id,
                                role__in=LIAISON_ROLES)
            .exclude(pk=user.pk).order_by("username") if user.street_id else User.objects.none()
        )
        today = timezone.localdate()
        self.fields["campaign"].queryset = VisitCampaign.objects.visible_to(user).filter(
            start_date__lte=today, end_date__gte=today - dt.timedelta(days=30))

    def clean_enterprise(self):
        ent = Enterprise.objects.visible_to(self.user).filter(pk=self.cleaned_data["enterprise"]).first()
        if ent is None:
            raise forms.ValidationError(_("请选择本街道的企业"))
        return ent


class AssignForm(forms.Form):
    officer = forms.ModelChoiceField(label=_("挂点人员"), queryset=User.objects.none())
    team_role = forms.ChoiceField(label=_("服务团队角色"), choices=LiaisonAssignment.TeamRole.choices,
                                  initial=LiaisonAssignment.TeamRole.SERVICE_OFFICER)
    start_date = forms.DateField(label=_("开始日期"), initial=timezone.localdate,
                                 widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    replace = forms.BooleanField(label=_("替换该角色的现有挂点人员（交接）"), required=False)
    scope = forms.ChoiceField(label=_("指派范围"), choices=[("selected", _("勾选的企业")), ("park", _("整个园区/楼宇")),
                                                         ("community", _("整个社区"))], initial="selected")
    park = forms.ModelChoiceField(label=_("园区/楼宇"), queryset=Park.objects.none(), required=False)
    community = forms.ModelChoiceField(label=_("社区"), queryset=Community.objects.none(), required=False)
    only_kind = forms.ChoiceField(label=_("仅限类别"), required=False,
                                  choices=[("", _("全部企业"))] + list(Classification.Kind.choices))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        streets = visible_streets(user)
        self.fields["officer"].queryset = User.objects.filter(
            is_active=True, street__in=streets, role__in=LIAISON_ROLES
        ).order_by("street", "username")
        self.fields["park"].queryset = Park.objects.visible_to(user)
        self.fields["community"].queryset = Community.objects.filter(street__in=streets)

    def clean(self):
        data = super().clean()
        if data.get("scope") == "park" and not data.get("park"):
            self.add_error("park", _("请选择园区/楼宇"))
        if data.get("scope") == "community" and not data.get("community"):
            self.add_error("community", _("请选择社区"))
        return data


class CampaignForm(forms.ModelForm):
    class Meta:
        model = VisitCampaign
        fields = ["name", "street", "start_date", "end_date", "description"]
        widgets = {"start_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                   "end_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                   "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = visible_streets(user)
        if not sees_all_streets(user):
            self.fields["street"].required = True
            self.fields["street"].initial = user.street_id

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("结束日期不能早于开始日期"))
        return data


PROBLEM_CATEGORIES = VisitProblem.Category.choices


class ClassificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=Classification.Kind.choices)
    category = forms.ChoiceField(label=_("细类/级别/培育库/上市阶段"), required=False, choices=[("", "—")] + list(
        Classification.SishangCategory.choices + Classification.ZjtxTier.choices + Classification.Pool.choices
        + Classification.IpoStage.choices))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    valid_from = forms.DateField(label=_("起始/入库日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("终止/出库日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    certificate_no = forms.CharField(label=_("证书编号"), required=False, max_length=40)
    exchange = forms.ChoiceField(label=_("交易所"), required=False, choices=[("", "—")] + list(Classification.Exchange.choices))
    stock_code = forms.CharField(label=_("股票代码"), required=False, max_length=12)
    reason = forms.CharField(label=_("原因/备注"), required=False, max_length=200)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    title = forms.CharField(label=_("职务"), max_length=50, required=False)
    phone = forms.RegexField(label=_("电话"), regex=r"^[0-9+\-() ]{5,30}$", required=False,
                             error_messages={"invalid": _("电话号码格式不正确")})
    email = forms.EmailField(label=_("邮箱"), required=False)
    is_primary = forms.BooleanField(label=_("主要联系人"), required=False)


class VisitRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("企业类别"), choices=[])
    min_interval_days = forms.IntegerField(label=_("至少每 N 天走访一次"), min_value=1, max_value=730)
    max_visitors_30d = forms.IntegerField(label=_("30 天内不同走访人上限"), min_value=1, max_value=50)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = VisitRule.KIND_CHOICES

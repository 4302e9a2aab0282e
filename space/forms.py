from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Role, User
from enterprises.models import Park
from space.models import EfficiencyRule
from space.services.parks import PARK_FIELDS


class ParkForm(forms.ModelForm):
    class Meta:
        model = Park
        fields = PARK_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = User.objects.filter(
            street_id=self.instance.street_id, role__in=(Role.OFFICER, Role.MANAGER), is_active=True)
        self.fields["longitude"].help_text = _("如 113.935（GCJ-02/WGS84 十进制度）")
        self.fields["officer"].help_text = _("园区包干：责任专员自动作为企业服务专员挂点园区内全部在园企业（含今后入驻的）；"
                                             "更换或清空时，原专员随园区的挂点同日结束，企业原有的挂点不受影响。")

    def _post_clean(self):
        # Validation is the service's job (one place); the form only parses.
        pass


class RuleForm(forms.ModelForm):
    class Meta:
        model = EfficiencyRule
        fields = ("min_tax_per_10k", "min_occupancy")


class OutlineForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, initial=_("街道社区边界"))
    street = forms.ModelChoiceField(label=_("街道"), queryset=None, required=False,
                                    help_text=_("留空为全区边界"))
    file = forms.FileField(label=_("GeoJSON 文件"),
                           help_text=_("FeatureCollection，Polygon/MultiPolygon，经纬度坐标，每个要素须有 properties.name"))

    def __init__(self, *args, user=None, **kwargs):
        from crm.scoping import visible_streets

        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = visible_streets(user)


class _StreetScopedForm(forms.ModelForm):
    """A new record of a district-wide user names its street; a street user's records are in the user's street."""

    street = forms.ModelChoiceField(label=_("街道"), queryset=None, required=False)

    def __init__(self, *args, user=None, **kwargs):
        from crm.scoping import visible_streets

        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk or (user is not None and user.street_id):
            del self.fields["street"]
        else:
            self.fields["street"].queryset = visible_streets(user)
            self.fields["street"].required = True

    @property
    def street_id(self) -> int | None:
        if self.instance.pk:
            return self.instance.street_id
        if self.user.street_id:
            return self.user.street_id
        street = self.cleaned_data.get("street")
        return street.pk if street else None

    def _officers(self, street_id):
        return User.objects.filter(street_id=street_id, role__in=(Role.OFFICER, Role.MANAGER), is_active=True)

    def _post_clean(self):
        # Validation is the service's job (one place); the form only parses.
        pass

    def service_data(self, fields) -> dict:
        return {f: self.cleaned_data[f] for f in fields if f in self.cleaned_data}


class InvestmentProjectForm(_StreetScopedForm):
    enterprise_uscc = forms.CharField(label=_("业主企业统一社会信用代码"), max_length=18, required=False,
                                      help_text=_("社会投资项目填写；政府投资项目填写下方业主单位"))

    class Meta:
        from space.models import InvestmentProject

        model = InvestmentProject
        fields = ("code", "name", "kind", "owner_body", "pipeline_project", "planned_total", "year", "year_plan",
                  "registered", "registered_on", "start_on", "completion_on", "officer")
        widgets = {f: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                   for f in ("registered_on", "start_on", "completion_on")}

    def __init__(self, *args, **kwargs):
        from pipelines.models import Project

        super().__init__(*args, **kwargs)
        street_id = self.instance.street_id if self.instance.pk else (self.user.street_id if self.user else None)
        projects = Project.objects.visible_to(self.user)
        officers = self._officers(street_id) if street_id else User.objects.filter(
            role__in=(Role.OFFICER, Role.MANAGER), is_active=True)
        if street_id:
            projects = projects.filter(street_id=street_id)
        self.fields["pipeline_project"].queryset = projects.order_by("-pk")
        self.fields["pipeline_project"].help_text = _("该固投项目来自哪个招商项目（可留空）")
        self.fields["officer"].queryset = officers
        if self.instance.enterprise_id:
            self.fields["enterprise_uscc"].initial = self.instance.enterprise.uscc

    def clean_enterprise_uscc(self):
        from enterprises.models import Enterprise

        code = (self.cleaned_data.get("enterprise_uscc") or "").strip().upper()
        if not code:
            return None
        firm = Enterprise.objects.visible_to(self.user).filter(uscc=code).first()
        if firm is None:
            raise forms.ValidationError(_("企业库中没有此统一社会信用代码的企业。"))
        return firm

    def service_data(self, fields) -> dict:
        data = super().service_data(fields)
        data["enterprise"] = self.cleaned_data.get("enterprise_uscc")
        return data


class RenewalProjectForm(_StreetScopedForm):
    class Meta:
        from space.models import RenewalProject

        model = RenewalProject
        fields = ("name", "kind", "area", "year_area_target", "status", "officer", "team", "parks")

    def __init__(self, *args, **kwargs):
        from crm.models import Team

        super().__init__(*args, **kwargs)
        street_id = self.instance.street_id if self.instance.pk else (self.user.street_id if self.user else None)
        parks = Park.objects.visible_to(self.user)
        teams = Team.objects.all()
        if street_id:
            parks, teams = parks.filter(street_id=street_id), teams.filter(street_id=street_id)
            self.fields["officer"].queryset = self._officers(street_id)
        else:
            self.fields["officer"].queryset = User.objects.filter(role__in=(Role.OFFICER, Role.MANAGER), is_active=True)
        self.fields["parks"].queryset = parks.order_by("name")
        self.fields["team"].queryset = teams


class MilestoneForm(forms.ModelForm):
    class Meta:
        from space.models import RenewalMilestone

        model = RenewalMilestone
        fields = ("name", "planned_on", "actual_on", "delivered_area")
        widgets = {f: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d") for f in ("planned_on", "actual_on")}

    def _post_clean(self):
        pass

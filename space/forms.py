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

    def _post_clean(self):
        # Validation is the service's job (one place); the form only parses.
        pass


class RuleForm(forms.ModelForm):
    class Meta:
        model = EfficiencyRule
        fields = ("min_tax_per_10k", "min_occupancy")


class InvestmentImportForm(forms.Form):
    month = forms.CharField(label=_("月份"), widget=forms.TextInput(attrs={"type": "month"}),
                            help_text=_("该月固投月报；重新导入同一月份将整体替换该月数据"))
    file = forms.FileField(label=_("固投月报（Excel/CSV）"),
                           help_text=_("须含“项目代码”和“本月完成投资（万元）”两列"))
    street = forms.ModelChoiceField(label=_("街道"), queryset=None, required=False)

    def __init__(self, *args, user=None, **kwargs):
        from crm.scoping import visible_streets

        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None and user.street_id:
            del self.fields["street"]
        else:
            self.fields["street"].queryset = visible_streets(user)
            self.fields["street"].required = True

    def clean_month(self):
        import datetime as dt

        text = (self.cleaned_data["month"] or "").strip()
        try:
            year, month = (int(x) for x in text.split("-")[:2])
            return dt.date(year, month, 1)
        except (ValueError, TypeError):
            raise forms.ValidationError(_("月份格式应为 2026-03。")) from None

    @property
    def street_id(self) -> int:
        if self.user.street_id:
            return self.user.street_id
        return self.cleaned_data["street"].pk


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


class ParkImportForm(InvestmentImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["month"]
        self.fields["file"].label = _("园区楼宇台账（Excel/CSV）")
        self.fields["file"].help_text = _("须含“园区名称”列；可含类型、地址、经度、纬度、占地面积、建筑面积、主导产业、纳管状态、纳管面积、统租面积、经济微单元")

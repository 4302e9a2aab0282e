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

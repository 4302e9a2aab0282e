from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import CalendarYear, SpecialDay


class SpecialDayForm(forms.ModelForm):
    class Meta:
        model = SpecialDay
        fields = ["date", "kind", "name"]
        widgets = {"date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "status", "source"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("年份应在 2000–2100 之间"))
        return year

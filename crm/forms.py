from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import CalendarYear, SpecialDay


class SpecialDayForm(forms.ModelForm):
    class Meta:
        model = SpecialDay
        fields = ["date", "kind", "name"]
        widgets = {"date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}

    def validate_unique(self):
        """An existing date is changed, not refused: crm.services.calendar_admin.save_special_day upserts."""


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "status", "source"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("年份应在 2000–2100 之间"))
        return year


class ScheduleForm(forms.Form):
    """A year's published schedule in one go: pasted from the State Council notice or one day a line."""

    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    text = forms.CharField(
        label=_("放假安排"), max_length=20000,
        widget=forms.Textarea(attrs={"rows": 9, "placeholder": _(
            "粘贴国务院办公厅通知的正文，例如：\n一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n"
            "或每行一天：2027-01-01 放假 元旦 / 2027-02-07 上班 春节调休")}),
        help_text=_("通知中的星期和“共N天”会被核对；保存前先预览。该年已录入的特殊日期将被这里的内容替换。"),
    )
    official = forms.BooleanField(label=_("保存后设为正式（已公布）"), required=False, initial=True)
    source = forms.CharField(label=_("来源"), max_length=200, required=False,
                             initial=_("国务院办公厅关于部分节假日安排的通知"))

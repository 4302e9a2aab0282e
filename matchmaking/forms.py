from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FinancialProduct, Need, Product


class ProductForm(forms.ModelForm):
    customer_industries_text = forms.CharField(
        label=_("主要客户行业代码"), required=False, help_text=_("多个代码用逗号或空格分隔，如 36 3670"))

    class Meta:
        model = Product
        fields = ["name", "industry_code", "cluster", "description", "capacity", "certifications"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["customer_industries_text"].initial = " ".join(self.instance.customer_industries)

    def clean_industry_code(self):
        code = self.cleaned_data["industry_code"].strip()
        if code and not code.isdigit():
            raise forms.ValidationError(_("行业代码应为 GB/T 4754 的数字代码，如 3912。"))
        return code

    def clean_customer_industries_text(self):
        codes = self.cleaned_data["customer_industries_text"].replace("，", ",").replace(",", " ").split()
        if any(not c.isdigit() or len(c) > 4 for c in codes):
            raise forms.ValidationError(_("客户行业代码应为 2–4 位数字。"))
        return codes

    def save(self, commit=True):
        self.instance.customer_industries = self.cleaned_data["customer_industries_text"]
        return super().save(commit=commit)


class NeedForm(forms.ModelForm):
    class Meta:
        model = Need
        fields = ["kind", "title", "details", "industry_prefix", "cluster", "volume", "amount", "term_months",
                  "purpose", "collateral", "urgency", "headcount", "positions"]
        widgets = {"details": forms.Textarea(attrs={"rows": 3})}

    def clean_industry_prefix(self):
        code = self.cleaned_data["industry_prefix"].strip()
        if code and not code.isdigit():
            raise forms.ValidationError(_("行业代码应为数字代码或其前缀，如 39。"))
        return code


class FinancialProductForm(forms.ModelForm):
    class Meta:
        model = FinancialProduct
        fields = ["bank", "name", "min_amount", "max_amount", "max_term_months", "eligibility", "description",
                  "contact_name", "contact_phone", "is_active"]
        widgets = {"eligibility": forms.Textarea(attrs={"rows": 4}), "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"eligibility": _('与惠企政策相同的规则格式，如 {"all": [{"industry": {"prefix": ["39"]}}]}；'
                                       "留空为所有企业可申请。")}
        error_messages = {"eligibility": {"invalid": _("准入条件不是有效的 JSON。")}}

    def clean_eligibility(self):
        return self.cleaned_data["eligibility"] or {}

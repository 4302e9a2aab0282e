"""Small template helpers the list and detail pages share: tap-to-call phone numbers and addresses that open in
the phone's map app. `{% load crm_ui %}` then `{{ phone|tel_link }}` and `{{ address|map_link }}`."""

from __future__ import annotations

import re
from urllib.parse import quote

from django import template
from django.utils.html import format_html

register = template.Library()

_DIALABLE = re.compile(r"[^0-9+]")


@register.filter
def tel_link(phone) -> str:
    """A phone number as a tel: link. A masked number (138****0000) or an empty one stays plain text: there is
    nothing to dial."""
    text = str(phone or "").strip()
    digits = _DIALABLE.sub("", text)
    if not text or "*" in text or len(digits) < 5:
        return text
    return format_html('<a href="tel:{}" class="tel-link">{}</a>', digits, text)


@register.filter
def map_link(address) -> str:
    """An address as a geo: link (RFC 5870 with a query), which phones open in their map app; desktops that have
    no handler simply show the address."""
    text = str(address or "").strip()
    if not text:
        return ""
    return format_html('<a href="geo:0,0?q={}" class="map-link">{}</a>', quote(text), text)


@register.filter
def in_language(name, name_en) -> str:
    """`{{ row.name|in_language:row.name_en }}`: a data row's name in the user's language, for rows read as plain
    values (the rule of crm.models.bilingual.pick_name)."""
    from crm.models.bilingual import pick_name

    return pick_name(name, name_en)

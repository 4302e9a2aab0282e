"""Personal data (contact phones, emails): unmasked only for crm.permissions.PERSONAL_DATA_ROLES."""

from __future__ import annotations

from crm.permissions import PERSONAL_DATA_ROLES, user_has_role


def may_see_personal_data(user) -> bool:
    return user_has_role(user, PERSONAL_DATA_ROLES)


def mask_phone(phone: str) -> str:
    digits = phone or ""
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 11 else 1
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def mask_email(email: str) -> str:
    if not email or "@" not in email:
        return "*" * len(email or "")
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


def phone_for(user, phone: str) -> str:
    return phone if may_see_personal_data(user) else mask_phone(phone)


def email_for(user, email: str) -> str:
    return email if may_see_personal_data(user) else mask_email(email)

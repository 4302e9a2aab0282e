"""Every URL of the app, enumerated from the URL conf, so a test over "every page" cannot miss a new one."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# URLs the trust tests do not drive through the permission matrix, each with the reason (data, not code).
EXCLUDED_PREFIXES: dict[str, str] = {
    "admin/": "Django admin: only is_staff users get in (Django's own checks); not a product page",
    "i18n/": "Django's set_language view: changes a cookie, reads no data",
    "static/": "static files (DEBUG only), public by design",
    "media/": "DEBUG-only media serving; production serves uploads only through scoped views",
}
EXCLUDED_NAMES: dict[str, str] = {
    "login": "authentication form: covered by the login/lockout/audit tests",
    "logout": "ends the session: covered by the CSRF test (POST) and the login tests",
    "password_change": "Django's own view on the logged-in user only; covered by the CSRF test",
    "password_change_done": "static confirmation page of Django's own view",
}


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str  # e.g. "enterprises/<int:pk>/"
    callback: object
    kwargs: tuple[str, ...]

    @property
    def excluded_reason(self) -> str | None:
        for prefix, reason in EXCLUDED_PREFIXES.items():
            if self.route.startswith(prefix):
                return reason
        return EXCLUDED_NAMES.get(self.key)


def _walk(resolver: URLResolver, prefix: str, namespace: str):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                key = route
            converters = getattr(pattern.pattern, "converters", {}) or {}
            names = tuple(converters) or tuple(pattern.pattern.regex.groupindex)
            yield Route(key=key, route=route, callback=pattern.callback, kwargs=names)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver(), "", ""))


def checked_routes() -> list[Route]:
    """Routes the matrix must cover: all of them minus the explicit exclusions."""
    seen: dict[str, Route] = {}
    for route in all_routes():
        if route.excluded_reason is None:
            seen.setdefault(route.key, route)
    return sorted(seen.values(), key=lambda r: r.key)

"""Request hygiene shared by every app."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponseBadRequest, QueryDict
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import check_for_language

INT64_MAX = 2**63 - 1


def _has_nul(value: str) -> bool:
    return "\x00" in value


def _oversize_int(value: str) -> bool:
    return len(value) >= 19 and value.isascii() and value.lstrip("-").isdigit() and abs(int(value)) > INT64_MAX


class RejectMalformedParametersMiddleware:
    """Values no page can use, handled up front and in one place instead of as a 500 wherever a view passes them
    to the database:
    - a NUL byte (PostgreSQL refuses it in text): the request is refused with a message (400);
    - a run of digits beyond a 64-bit integer (no id, year or count is that big; SQLite raises OverflowError on
      it): in a query string the parameter is dropped, so the page ignores it like any other bad filter value;
      in a form the request is refused (400)."""

    NUL_MESSAGE = "请求参数包含非法字符（NUL），已拒绝。"
    NUMBER_MESSAGE = "请求参数中的数字过大，已拒绝。"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._any(request.GET, _has_nul) or (request.method == "POST" and self._any(request.POST, _has_nul)):
            return HttpResponseBadRequest(self.NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        if request.method == "POST" and self._any(request.POST, _oversize_int):
            return HttpResponseBadRequest(self.NUMBER_MESSAGE, content_type="text/plain; charset=utf-8")
        if self._any(request.GET, _oversize_int):
            cleaned = QueryDict(mutable=True)
            for key in request.GET:
                values = [v for v in request.GET.getlist(key) if not _oversize_int(v)]
                if values and not _oversize_int(key):
                    cleaned.setlist(key, values)
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)

    @staticmethod
    def _any(params, test) -> bool:
        return any(test(key) or any(test(v) for v in params.getlist(key)) for key in params)


class ChineseByDefaultLocaleMiddleware(LocaleMiddleware):
    """The interface is 简体中文 unless the user picked another language (the language cookie set by the user
    menu). A browser's Accept-Language is ignored: intranet PCs often run English-language browsers, and the
    officials using them still expect Chinese."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) and chosen in dict(settings.LANGUAGES) else (
            settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NoStoreForSignedInUsersMiddleware:
    """Every response to a signed-in user — pages with enterprises' contacts, exports, attachments, htmx
    fragments — is `Cache-Control: no-store` (plus private/no-cache for old proxies): nothing a user saw stays in
    a shared office PC's browser cache or an intermediate proxy after logout (issue 15 §7). Static files are
    answered by WhiteNoise before this middleware and stay cacheable; anonymous pages (login) are untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


class IdleSessionRenewalMiddleware:
    """Sessions time out after SESSION_COOKIE_AGE of inactivity, renewed while the user works — without a database
    write on every request (SESSION_SAVE_EVERY_REQUEST did one UPDATE and commit per page view). A signed-in
    session is marked modified, so SessionMiddleware saves it with a fresh expiry, when SESSION_RENEW_SECONDS have
    passed since it was last renewed: the idle timeout is SESSION_COOKIE_AGE give or take that interval.
    Placed just after SessionMiddleware, so its response step runs before the session is saved."""

    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or session.modified or response.status_code >= 500:
            return response
        if SESSION_KEY not in session:  # not signed in (or a stale cookie): nothing to keep alive, nothing to store
            return response
        now = int(time.time())
        renewed = session.get(self.KEY)
        if not isinstance(renewed, int) or not 0 <= now - renewed < settings.SESSION_RENEW_SECONDS:
            session[self.KEY] = now
        return response

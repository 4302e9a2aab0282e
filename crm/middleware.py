"""Request hygiene shared by every app."""

from __future__ import annotations

from django.http import HttpResponseBadRequest


class RejectNulBytesMiddleware:
    """A NUL byte in a query or form parameter is never legitimate and PostgreSQL refuses it in text
    ("cannot contain NUL (0x00) bytes" → a 500 on any search box). Refuse the request up front, in one place."""

    MESSAGE = "请求参数包含非法字符（NUL），已拒绝。"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request.GET) or (request.method == "POST" and self._has_nul(request.POST)):
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(params) -> bool:
        return any("\x00" in key or any("\x00" in v for v in params.getlist(key)) for key in params)

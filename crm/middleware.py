"""Request hygiene shared by every app."""

from __future__ import annotations

from django.http import HttpResponseBadRequest

INT64_MAX = 2**63 - 1


class RejectMalformedParametersMiddleware:
    """Refuse, up front and in one place, query/form values that no page can use and that the database turns
    into a server error wherever a view passes them on:
    - a NUL byte: PostgreSQL refuses it in text ("cannot contain NUL (0x00) bytes");
    - a run of digits beyond a 64-bit integer: no id, year or count is that big, and SQLite raises
      OverflowError on it (PostgreSQL compares it as numeric)."""

    NUL_MESSAGE = "请求参数包含非法字符（NUL），已拒绝。"
    NUMBER_MESSAGE = "请求参数中的数字过大，已拒绝。"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request.GET)
        if problem is None and request.method == "POST":
            problem = self._problem(request.POST)
        if problem:
            return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def _problem(self, params) -> str | None:
        for key in params:
            for value in [key, *params.getlist(key)]:
                if "\x00" in value:
                    return self.NUL_MESSAGE
                if len(value) >= 19 and value.isascii() and value.lstrip("-").isdigit() and abs(int(value)) > INT64_MAX:
                    return self.NUMBER_MESSAGE
        return None

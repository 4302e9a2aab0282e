"""`python manage.py policies match RULES.json [--on YYYY-MM-DD] [--street CODE]`

Evaluates a rule tree (the format the app stores; see policies/README.md) against the current registry with the
same code the pages use. The last line printed is one JSON object {"matched": N, "codes": [USCC, ... sorted]}.
An unreadable file, invalid JSON, a malformed rule or an unknown field prints one line and exits 2."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.models import Street
from enterprises.models import Enterprise
from policies.matching import matching
from policies.rules import RuleError


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "惠企政策：policies match RULES.json [--on YYYY-MM-DD] [--street CODE]"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        match = sub.add_parser("match", help="按规则匹配企业，最后一行输出 JSON")
        match.add_argument("rules_file")
        match.add_argument("--on", default=None, help="评估日期 YYYY-MM-DD，默认今天")
        match.add_argument("--street", default=None, help="只在该街道（区划代码）内匹配")

    def handle(self, *args, **options):
        if options["action"] == "match":
            return self.match(options["rules_file"], options["on"], options["street"])

    def match(self, path: str, on_text: str | None, street_code: str | None) -> None:
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise _fail(f"无法读取规则文件 {path}：{exc.strerror or exc}") from None
        try:
            tree = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _fail(f"规则文件不是有效的 JSON：{exc}") from None
        if on_text is None:
            on = timezone.localdate()
        else:
            try:
                on = dt.date.fromisoformat(on_text.strip())
            except ValueError:
                raise _fail(f"无法识别的日期：{on_text!r}（应为 YYYY-MM-DD）") from None
        base = Enterprise.objects.all()
        if street_code is not None:
            street = Street.objects.filter(code=street_code.strip()).first()
            if street is None:
                raise _fail(f"未知的街道代码：{street_code!r}")
            base = base.filter(street=street)
        try:
            codes = sorted(matching(tree, on=on, base=base).values_list("uscc", flat=True))
        except RuleError as exc:
            raise _fail(str(exc)) from None
        self.stdout.write(json.dumps({"matched": len(codes), "codes": codes}, ensure_ascii=False))

"""`load_divisions CODE`: set up a real district (or one street) from the country's division data.

    python manage.py load_divisions 440311       # 光明区: its 6 街道 and 36 社区
    python manage.py load_divisions 440311006    # only 马田街道 and its 社区

Prints one line per level loaded, then, as the last line, one JSON object:
{"district": CODE, "streets": N, "communities": N, "created": N, "updated": N}. Idempotent: a second run
creates and updates nothing. An unknown code prints one Chinese line and exits 2.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from crm.services.divisions import SOURCE, DivisionError, load_divisions


class Command(BaseCommand):
    help = "从随产品提供的全国行政区划数据载入一个区（或一个街道）的街道和社区（可重复执行）。"

    def add_arguments(self, parser):
        parser.add_argument("code", help="区/县代码（6 位，如 440311）或街道代码（9 位，如 440311006）")

    def handle(self, *args, code: str, **options):
        try:
            result = load_divisions(code)
        except DivisionError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from None
        self.stdout.write(f"区：{result.district_name}（{result.district[:6]}）")
        self.stdout.write(f"街道：{result.streets} 个（{'、'.join(result.street_names)}）")
        self.stdout.write(f"社区：{result.communities} 个（数据来源：{SOURCE}）")
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))

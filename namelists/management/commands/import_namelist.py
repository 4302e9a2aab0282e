"""import_namelist PATH --list KIND [--year YYYY] [--street CODE] [--dry-run] [--report OUT.xlsx]
    [--month YYYY-MM] [--policy ID --outcome approvals|payments]

The last line of output is one JSON object (rows, created, updated, unchanged, errors, duplicates, …).
Exit 0 when the file was processed (row errors allowed), 2 with a one-line message when it cannot be used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from crm.models import Street
from namelists import services
from namelists.kinds import KindImport, spec
from namelists.kinds import error_report as kind_error_report
from namelists.models import ImportBatch, ListKind
from namelists.reader import FileRejected


class UnusableFile(Exception):
    pass


class Command(BaseCommand):
    help = "导入统计局/工信局/科创局名录（Excel/CSV）"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--list", dest="list_kind", required=True, choices=ListKind.values)
        parser.add_argument("--year", type=int)
        parser.add_argument("--street", help="街道区划代码（9 位），限定/指定街道")
        parser.add_argument("--dry-run", action="store_true", help="只预览，不写入")
        parser.add_argument("--report", help="把问题行写入该 .xlsx 文件")
        parser.add_argument("--close-missing", action="store_true", help="关闭不在名单中的企业的同类分类")
        # --list monthly (economy.importing): the month and, when the file does not say, the indicator.
        parser.add_argument("--month", help="月度数据的月份 YYYY-MM（--list monthly）")
        parser.add_argument("--indicator", help="月度数据的指标（--list monthly）：industrial_output/revenue/…")
        # Kinds other apps write (namelists.kinds.KindImport): --list fai_monthly needs --month and --street,
        # parks --street; policy_outcomes --policy ID --outcome approvals|payments.
        parser.add_argument("--policy", type=int, help="政策 ID（--list policy_outcomes）")
        parser.add_argument("--outcome", help="名单类型 approvals/payments（--list policy_outcomes）")

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except UnusableFile as exc:
            self.stderr.write(f"错误：{exc}")
            sys.exit(2)

    def handle(self, path, list_kind, year=None, street=None, dry_run=False, report=None, close_missing=False,
               month=None, indicator=None, policy=None, outcome=None, **options):
        file = Path(path)
        if not file.is_file():
            raise UnusableFile(f"文件不存在：{path}")
        street_obj = None
        if street:
            street_obj = Street.objects.filter(code=street.strip()).first()
            if street_obj is None:
                raise UnusableFile(f"街道代码“{street}”不存在")
        data = file.read_bytes()
        try:
            if list_kind == ListKind.MONTHLY:
                from economy.importing import parse_indicator, parse_month, run_from_command

                try:
                    month_date = parse_month(month) if month else None
                    indicator = parse_indicator(indicator) if indicator else None
                except ValueError as exc:
                    raise UnusableFile(str(exc)) from None
                counts, issues, batch_id = run_from_command(data, file.name, month_date, indicator, street_obj,
                                                            dry_run)
                report_bytes, note = None, ""
            elif hasattr(handler := services.LIST_KIND_HANDLERS.get(list_kind), "run_from_command"):
                # Another app's list kind with its own reader (matchmaking's "products").
                counts, issues, batch_id, report_bytes, note = handler.run_from_command(
                    data, file.name, street_obj, dry_run, report=bool(report))
            elif isinstance(handler := services.LIST_KIND_HANDLERS.get(list_kind), KindImport):
                kind_options = {k: v for k, v in (("month", month), ("policy", policy), ("outcome", outcome)) if v}
                if "street" in spec(list_kind).options and street_obj is None:
                    raise UnusableFile(f"{ListKind(list_kind).label}须指定街道（--street 街道区划代码）")
                if dry_run:
                    analysis = handler.dry_run(data, file.name, street_obj, kind_options)
                    counts, issues, note = analysis.counts, analysis.issues, analysis.summary
                    report_bytes = kind_error_report(analysis) if (report and analysis.issues) else None
                    batch_id = None
                else:
                    with transaction.atomic():
                        batch = services.create_batch(None, data, file.name, list_kind, year, street_obj,
                                                      options=kind_options)
                    batch = services.commit_batch(batch.pk)
                    issues = list(batch.issues.all())
                    if batch.status != ImportBatch.Status.COMMITTED:
                        for issue in issues[:50]:
                            self.stdout.write(f"第 {issue.row} 行 {issue.column}：{issue.reason}")
                        if report and batch.report:
                            Path(report).write_bytes(batch.report.read())
                        raise UnusableFile(batch.message or "导入失败")
                    counts, note = batch.counts, batch.message
                    report_bytes = batch.report.read() if (report and batch.report) else None
                    batch_id = batch.pk
            elif dry_run:
                analysis = services.analyse(data, file.name, list_kind, year, street_obj, close_missing=close_missing)
                counts, issues, note = analysis.counts, analysis.issues, analysis.summary
                report_bytes = services.error_report(analysis) if report else None
                batch_id = None
            else:
                services.detect_header(data, file.name)  # an unusable file is refused before a batch is stored
                with transaction.atomic():
                    batch = services.create_batch(None, data, file.name, list_kind, year, street_obj, close_missing)
                batch = services.commit_batch(batch.pk)
                if batch.status != ImportBatch.Status.COMMITTED:
                    raise UnusableFile(batch.message or "导入失败")
                counts = batch.counts
                issues, note = list(batch.issues.all()), batch.message
                report_bytes = batch.report.read() if (report and batch.report) else None
                batch_id = batch.pk
        except FileRejected as exc:
            raise UnusableFile(str(exc)) from None
        except services.ImportRefused as exc:
            raise UnusableFile(str(exc)) from None
        if report:
            if report_bytes is None:
                report_bytes = services.empty_report()
            Path(report).write_bytes(report_bytes)
        if note:
            self.stdout.write(note)
        for issue in issues[:50]:
            self.stdout.write(f"第 {issue.row} 行 {issue.column}：{issue.reason}")
        if len(issues) > 50:
            self.stdout.write(f"……另有 {len(issues) - 50} 条问题，见问题报告")
        result = {k: counts.get(k, 0) for k in ("rows", "created", "updated", "unchanged", "errors", "duplicates",
                                                  "warnings", "other_street", "closed", "field_changes")}
        result.update(year=counts.get("year"), dry_run=dry_run, batch=batch_id)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

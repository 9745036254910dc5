"""`bianzhi export roster|units --out FILE(.xlsx|.csv) [--as-of D] [--region CODE]
[--for-reconcile]`.

Runs as the system actor (the operator at the server's console is trusted
with the whole database), so ID numbers are exported in full; the export is
still recorded in the audit trail like any other.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bianzhi.core.actor import Actor
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError
from bianzhi.exchange.export import export_roster, export_units

KINDS = {"roster": "实名制人员信息", "units": "机构编制台账"}


class Command(BaseCommand):
    help = "导出实名制人员信息（roster）或机构编制台账（units），格式与导入相同"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="roster 或 units")
        parser.add_argument("--out", required=True, help="输出文件（.xlsx 或 .csv）")
        parser.add_argument(
            "--as-of", dest="as_of", help="截至日期（YYYY-MM-DD），默认今天"
        )
        parser.add_argument("--region", help="行政区划代码（含下级区划）")
        parser.add_argument(
            "--for-reconcile",
            action="store_true",
            help="供比对用（bianzhi reconcile --roster）：加核定编制数、借调信息和编外人员行；不用于再导入",
        )

    def handle(self, *args, **options):
        actor = Actor.system("命令行导出")
        kind = options["kind"]
        if options["for_reconcile"] and kind != "roster":
            raise CommandError("--for-reconcile 仅适用于 roster")
        try:
            as_of = (
                parse_date(options["as_of"], field="as_of")
                if options.get("as_of")
                else None
            )
            if kind == "roster":
                rows = export_roster(
                    actor=actor,
                    out=options["out"],
                    as_of=as_of,
                    region_code=options.get("region"),
                    full_id=True,
                    for_reconcile=options["for_reconcile"],
                )
            else:
                rows = export_units(
                    actor=actor,
                    out=options["out"],
                    as_of=as_of,
                    region_code=options.get("region"),
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已导出{KINDS[kind]} {rows} 行：{options['out']}")

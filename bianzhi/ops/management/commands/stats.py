"""`bianzhi stats --list` and
`bianzhi stats FORM --out FILE(.xlsx|.csv|.json|.pdf) [--as-of D] [--region CODE]
[--unit ID] [--from D] [--yoy]`.

The operator at the server's console sees the whole database (like
`bianzhi export`). A region or unit that does not exist, an unknown form or a
malformed date exit 1 with the error code and its Chinese message; an empty
selection still writes a valid (empty) form.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Region, Unit
from bianzhi.stats import export
from bianzhi.stats.base import Selection, all_forms, get


def _compare():
    """stats/yoy.py's compare(form, selection) once it exists (STATS-B)."""
    try:
        from bianzhi.stats.yoy import compare
    except ImportError:
        return None
    return compare


def selection_from(options: dict) -> Selection:
    found = _selection_from(options)
    return replace(found, interval=(options.get("period") or "").strip())


def _selection_from(options: dict) -> Selection:
    raw = options.get("as_of")
    as_of = parse_date(raw, field="as_of") if raw else timezone.localdate()
    start = options.get("date_from")
    period_start = parse_date(start, field="from") if start else None
    region, unit = options.get("region"), options.get("unit")
    if region and unit:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "--region 与 --unit 只能选一个", field="unit"
        )
    if unit:
        found = (
            Unit.objects.filter(pk=int(unit)).first() if str(unit).isdigit() else None
        )
        if found is None:
            raise ApplicationError(
                ErrorCode.UNIT_UNKNOWN, f"单位 {unit} 不存在", field="unit"
            )
        return Selection(
            as_of=as_of, unit_id=found.pk, label=found.name, period_start=period_start
        )
    if region:
        found = Region.objects.filter(pk=str(region)).first()
        if found is None:
            raise ApplicationError(
                ErrorCode.REGION_UNKNOWN, f"行政区划 {region} 不存在", field="region"
            )
        return Selection(
            as_of=as_of,
            region_code=found.code,
            label=found.name,
            period_start=period_start,
        )
    return Selection(as_of=as_of, label="全部", period_start=period_start)


class Command(BaseCommand):
    help = "统计报表：--list 列出报表；FORM --out 文件 导出（xlsx/csv/json/pdf）"

    def add_arguments(self, parser):
        parser.add_argument("form", nargs="?", help="报表名称（见 --list）")
        parser.add_argument("--list", action="store_true", help="列出全部报表")
        parser.add_argument("--out", help="输出文件（.xlsx .csv .json .pdf）")
        parser.add_argument(
            "--as-of", dest="as_of", help="截至日期（YYYY-MM-DD），默认今天"
        )
        parser.add_argument("--region", help="行政区划代码（含下级区划）")
        parser.add_argument("--unit", help="单位编号（含下属单位）")
        parser.add_argument(
            "--from",
            dest="date_from",
            help="期间起始日期（台账等按期间的报表），默认当年1月1日",
        )
        parser.add_argument("--yoy", action="store_true", help="与上年同期对比")
        parser.add_argument(
            "--period",
            choices=["month", "quarter", "year"],
            help="按月、季度或年度分期（人员增减变动表），默认按月",
        )

    def handle(self, *args, **options):
        if options["list"]:
            for form in all_forms():
                self.stdout.write(f"{form.name} {form.title}")
            return
        try:
            self._export(options)
        except ApplicationError as exc:
            raise CommandError(f"{exc.code.value}: {exc.message}") from exc

    def _export(self, options: dict) -> None:
        if not options.get("form"):
            raise CommandError("请指明报表名称，或用 --list 列出全部报表")
        form = get(options["form"])
        out = options.get("out")
        if not out:
            raise CommandError("请用 --out 指明输出文件")
        fmt = Path(out).suffix.lower().lstrip(".")
        if fmt not in export.FORMATS:
            raise CommandError("--out 须为 .xlsx、.csv、.json 或 .pdf 文件")
        selection = selection_from(options)
        if options["yoy"]:
            compare = _compare()
            if compare is None or not form.yoy:
                raise CommandError(f"报表「{form.title}」不提供同比对比")
            result = compare(form, selection)
        else:
            result = form.compute(selection)
        export.write(result, out)
        self.stdout.write(f"已导出{result.title}（{len(result.rows)} 行）：{out}")

"""Import of off-quota staff (编外人员, EXCHANGE.md §2b).

Reading parses every cell (unit by 单位名称 and/or 统一社会信用代码, ID number,
用工形式, 经费来源, dates); the same person twice for the same unit is a
duplicate row. Applying calls roster.services.offquota_add row by row in
file order (files are small: a unit's or a city's contract staff), each in its
own savepoint, so every refusal is reported with its row.

Decisions:
- 终止日期 on or before the import date: the staff member has left; the row
  is recorded and ended (offquota_end, reason 「用工终止」).
- 终止日期 after the import date is the agreed end of the contract, not an end
  that happened: the record stays active and the date is kept in 备注
  (「约定终止日期：…」).
- A person already recorded as active off-quota staff of the same unit is
  DUPLICATE_IMPORT (the same content imported again adds nothing); a person in
  post (在编) anywhere is PERSON_ALREADY_POSTED, as offquota_add decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from bianzhi.core.codes import parse_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.roster.models import OffQuotaStaff
from bianzhi.roster.services import offquota_add, offquota_end
from bianzhi.roster.values import EMPLOYMENT_FORM, FUNDING_SOURCE, resolve

from . import cells
from .import_common import MISSING, Context, RowCells, UnitIndex, date_not_after

_FIELDS = {
    "id_number": "id_number",
    "name": "name",
    "employment_form": "employment_form",
    "funding_source": "funding_source",
    "start_date": "start_date",
    "end_date": "end_date",
    "unit": "unit_name",
    "staff": None,
}


@dataclass
class StaffRow:
    line: int
    unit_id: int
    name: str
    id_number: str
    employment_form: str
    funding_source: str
    start_date: object
    end_date: object


@dataclass
class OffQuotaPlan:
    rows: list[StaffRow] = field(default_factory=list)
    raw: dict[int, dict] = field(default_factory=dict)
    unit_names: dict[int, str] = field(default_factory=dict)


def read(ctx: Context) -> OffQuotaPlan:
    plan = OffQuotaPlan()
    units = UnitIndex.load()
    seen: dict[tuple[int, str], int] = {}
    for source in ctx.table.rows:
        ctx.read_one(source.line)
        row = RowCells(ctx, source.line, source.values)
        try:
            staff = _parse(row, units, ctx)
            if staff is not None:
                key = (staff.unit_id, staff.id_number)
                first = seen.get(key)
                if first is not None:
                    row.error(
                        "id_number",
                        f"文件中有重复的行：与第{first}行为同一单位的同一人员",
                        ErrorCode.DUPLICATE_ROW,
                    )
                else:
                    seen[key] = source.line
        except Exception as exc:  # noqa: BLE001 — never a 500: the row is refused
            row.fail(None, exc)
            staff = None
        if staff is None or not row.ok:
            continue
        plan.rows.append(staff)
        plan.raw[source.line] = source.values
        plan.unit_names[staff.unit_id] = units.name_of(staff.unit_id)
    return plan


def _parse(row: RowCells, units: UnitIndex, ctx: Context) -> StaffRow | None:
    today = ctx.today
    unit_id = units.resolve(row)
    name = row.text("name", required="姓名", max_length=50)
    number = row.parse("id_number", cells.id_number_cell, required="公民身份号码")
    if number is not MISSING:
        try:
            number = parse_id_number(number, today=today).number
        except ApplicationError as exc:
            row.fail("id_number", exc)
            number = MISSING
    form = row.parse(
        "employment_form",
        lambda v: resolve(EMPLOYMENT_FORM, cells.text(v)),
        required="用工形式",
    )
    source = row.parse(
        "funding_source",
        lambda v: resolve(FUNDING_SOURCE, cells.text(v)),
        required="经费来源",
    )
    start = row.parse(
        "start_date",
        lambda v: date_not_after(cells.date_cell(v), today, "起始日期"),
        required="起始日期",
    )
    end = row.parse("end_date", cells.date_cell)
    if start not in (MISSING, None) and end not in (MISSING, None) and end < start:
        row.error(
            "end_date", f"终止日期{end}早于起始日期{start}", ErrorCode.DATE_INVALID
        )
    if not row.ok or unit_id is None:
        return None
    return StaffRow(row.line, unit_id, name, number, form, source, start, end)


def apply(ctx: Context, plan: OffQuotaPlan) -> tuple[int, str]:
    if not plan.rows:
        return 0, ""
    active = set(
        OffQuotaStaff.objects.filter(
            id_number__in={r.id_number for r in plan.rows}, end_date__isnull=True
        ).values_list("unit_id", "id_number")
    )
    accepted = 0
    total = len(plan.rows)
    for done, row in enumerate(plan.rows, start=1):
        raw = plan.raw[row.line]
        if (row.unit_id, row.id_number) in active:
            ctx.add(
                row.line,
                "id_number",
                raw.get("id_number"),
                f"该文件已导入，不重复导入：{row.name}已是"
                f"{plan.unit_names.get(row.unit_id, '')}的编外人员（疑为重复导入）",
                ErrorCode.DUPLICATE_IMPORT,
            )
            continue
        try:
            with transaction.atomic():  # the add and the end stand or fall together
                _record(ctx, row)
        except ApplicationError as exc:
            key = _FIELDS.get(exc.field or "", None) if exc.field else "id_number"
            ctx.add(row.line, key, raw.get(key) if key else None, exc.message, exc.code)
            continue
        active.add((row.unit_id, row.id_number))
        accepted += 1
        if done % 200 == 0:
            ctx.applied(done, total)
    ctx.applied(total, total)
    return accepted, ""


def _record(ctx: Context, row: StaffRow) -> None:
    future_end = row.end_date is not None and row.end_date > ctx.today
    staff = offquota_add(
        actor=ctx.actor,
        unit=row.unit_id,
        name=row.name,
        id_number=row.id_number,
        employment_form=row.employment_form,
        funding_source=row.funding_source,
        start_date=row.start_date,
        remarks=f"约定终止日期：{row.end_date}" if future_end else "",
        today=ctx.today,
    )
    if row.end_date is not None and not future_end:
        offquota_end(
            actor=ctx.actor,
            staff=staff,
            end_date=row.end_date,
            end_reason="用工终止",
            today=ctx.today,
        )

"""Import of the real-name roster (实名制人员信息, EXCHANGE.md §2): the initial load.

Two phases:
1. read (no writes): every cell of every row is parsed with cells.py and the
   roster's value sets; each problem becomes a RowError (all of them, not the
   first). The unit is found by 单位名称 and/or 统一社会信用代码 (both given
   must agree); an ID number met twice is an error on the second row naming
   the first.
2. apply (inside the import's transaction): the rows without problems go to
   roster.bulk.bulk_enroll in file order — the bulk path that decides every row
   exactly as a single enrollment would (quota, one ID in one unit,
   identity × category, age, …) — with valid_only=True so that every refusal
   is reported with its row; the caller rolls the transaction back for a dry
   run or when errors forbid writing. When nothing can be kept (dry run, or
   errors already found in an all-or-nothing import) bulk_enroll runs with
   check_only: the same locks, rules and decisions, without the writes.

Decisions (EXCHANGE §2, DOMAIN §3.4):
- The postings start on the load date (today, 初始化导入); 进入本单位时间 is
  kept as entered_unit_on (empty: the load date), and the age rule is checked
  at it by bulk_enroll.
- 性别 and 出生日期 may be absent (taken from the ID). A 出生日期 given by
  month only (出生年月: 1985.06, 198506, 1985年6月) is compared by year and
  month. A different birth date needs 出生日期认定依据 (then it is the
  certified birth date), else BIRTH_DATE_MISMATCH.
- 岗位类型 (required for 事业人员) is not a column of the format: it is the
  post-grade family of 职级 (管理岗…/专技岗…/工勤技能岗…), or the optional
  column 岗位类型 when a file has one.
- Not loaded: 序号; 进入方式 and 入编文号 (the load's postings are 初始化导入
  with that doc_no, as bulk_enroll records them); 领导职务层次 (leader
  appointments need leader-post quotas and are recorded separately).
- A person already in post in the row's own unit is reported as
  PERSON_ALREADY_POSTED 「疑为重复导入」: importing the same content again
  duplicates nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bianzhi.core.codes import INITIAL_LOAD_DOC_NO, parse_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.roster import rules
from bianzhi.roster.bulk import bulk_enroll
from bianzhi.roster.bulk_rows import RowParser
from bianzhi.roster.services_common import check_post_type, check_work_start
from bianzhi.roster.values import (
    DEGREE,
    EDUCATION,
    ETHNICITY,
    GENDER,
    IDENTITY,
    POLITICAL_STATUS,
    POST_TYPE,
    RANK,
    Identity,
    resolve,
)

from . import cells
from .import_common import (
    MISSING,
    CategoryIndex,
    Context,
    RowCells,
    UnitIndex,
    date_not_after,
    parse_funding_cell,
)

_MONTH_ONLY = re.compile(r"^\s*\d{4}\s*(?:[-/.年]\s*\d{1,2}\s*月?|\d{2})\s*$")
_POST_GROUPS = {"management", "professional", "skilled_worker"}

# Where a bulk_enroll refusal belongs: by code first, then by the error's field.
_CODE_COLUMN = {
    ErrorCode.QUOTA_FULL: "category",
    ErrorCode.QUOTA_OVER_NO_INTAKE: "category",
    ErrorCode.CATEGORY_MISMATCH: "category",
    ErrorCode.ACCOUNT_UNKNOWN: "category",
    ErrorCode.PERSON_ALREADY_POSTED: "id_number",
    ErrorCode.AGE_OUT_OF_RANGE: "birth_date",
    ErrorCode.UNIT_UNKNOWN: "unit_name",
    ErrorCode.UNIT_INACTIVE: "unit_name",
    ErrorCode.ID_INVALID: "id_number",
    ErrorCode.ID_MISMATCH: "gender",
    ErrorCode.BIRTH_DATE_MISMATCH: "birth_date",
}
_FIELD_COLUMN = {
    "certified_birth_date": "birth_date",
    "post_type": "rank",
    "account": "category",
    "unit": "unit_name",
    "start_date": "entered_unit_on",
    "person": "name",
    "rows": None,
}


# Columns a bulk_enroll refusal can be reported against (see _report).
REPORT_KEYS = (
    "unit_name", "uscc", "name", "id_number", "gender", "birth_date",
    "certified_basis", "ethnicity", "political_status", "education", "degree",
    "major", "identity", "category", "funding", "position_title", "rank",
    "post_type", "entered_unit_on", "work_start_date", "remarks",
)  # fmt: skip


@dataclass
class RosterPlan:
    # bulk_enroll rows, file order, already parsed by its RowParser (the
    # rules of parse_person run while reading; only the dicts' parsed form is
    # kept: a city file has 200,000 of them).
    rows: list = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the line of each row
    # The cells of each row a refusal may point to (a tuple in REPORT_KEYS
    # order, not the row's dict: a city file keeps 200,000 of them).
    raw: list[tuple] = field(default_factory=list)
    unit_names: list[str] = field(default_factory=list)


def _month_only(raw: object) -> bool:
    if isinstance(raw, int):
        return 190001 <= raw <= 210012
    return isinstance(raw, str) and bool(_MONTH_ONLY.match(cells.halfwidth(raw)))


def _value(table, text: str):
    return None if not text else resolve(table, text)


class _Memo:
    """Value-set lookups of a file, memoised per distinct cell: a city's file
    repeats a few dozen values (汉族, 中共党员 …) 200,000 times. Only answers
    are kept; a refused value is resolved (and reported) again each time."""

    def __init__(self) -> None:
        self.cache: dict = {}
        self.parsers: dict = {}

    def __call__(self, fn, *, optional: bool = False):
        found = self.parsers.get((fn, optional))
        if found is not None:
            return found
        cache = self.cache

        def parse(value: object):
            key = (fn, type(value), value)
            try:
                return cache[key]
            except (KeyError, TypeError):
                pass
            if callable(fn):
                answer = fn(value)
            else:
                text = cells.text(value)
                answer = _value(fn, text) if optional else resolve(fn, text)
            try:
                cache[key] = answer
            except TypeError:  # an unhashable cell value
                pass
            return answer

        self.parsers[(fn, optional)] = parse
        return parse


def read(ctx: Context) -> RosterPlan:
    plan = RosterPlan()
    units = UnitIndex.load()
    categories = CategoryIndex()
    has_post_type = "post_type" in ctx.table.headers
    seen: dict[str, int] = {}
    today = ctx.today
    memo = _Memo()
    # apply() passes start_date=today, today=today to bulk_enroll.
    parse_row = RowParser(start_date=today, today=today)
    # One object per distinct cell value kept for the report (a city's file
    # repeats its labels, units and dates 200,000 times).
    interned: dict = {}
    for source in ctx.table.rows:
        line = source.line
        ctx.read_one(line)
        row = RowCells(ctx, line, source.values)
        try:
            person, unit_id, category, funding, entered, number = _parse(
                row, units, categories, has_post_type, today, memo
            )
            if number:
                first = seen.get(number)
                if first is not None:
                    row.error(
                        "id_number",
                        f"文件中有重复的行：与第{first}行的公民身份号码相同",
                        ErrorCode.DUPLICATE_ROW,
                    )
                else:
                    seen[number] = line
        except Exception as exc:  # noqa: BLE001 — never a 500: the row is refused
            row.fail(None, exc)
        if not row.ok:
            continue
        raw = tuple(
            interned.setdefault((type(v), v), v)  # 1 == 1.0 == True: keyed by type
            for v in map(source.values.get, REPORT_KEYS)
        )
        try:
            parsed = parse_row(
                {
                    "unit": unit_id,
                    "category": category,
                    "funding": funding,
                    "person": person,
                    "entered_unit_on": entered,
                }
            )
        except ApplicationError as exc:  # refused as bulk_enroll would refuse it
            _report_row(ctx, line, raw, units.name_of(unit_id), exc)
            continue
        plan.rows.append(parsed)
        plan.lines.append(line)
        plan.raw.append(raw)
        plan.unit_names.append(units.name_of(unit_id))
    return plan


def _parse(row: RowCells, units, categories, has_post_type, today, memo):
    unit_id = units.resolve(row)
    name = row.text("name", required="姓名", max_length=50)
    number = row.parse("id_number", cells.id_number_cell, required="公民身份号码")
    parsed = None
    if number is not MISSING:
        try:
            parsed = parse_id_number(number, today=today)
        except ApplicationError as exc:
            row.fail("id_number", exc)
    gender = row.parse("gender", memo(GENDER, optional=True))
    if parsed and gender and gender is not MISSING and gender != parsed.gender:
        row.error(
            "gender",
            f"性别与公民身份号码不一致：填写为{GENDER.label(gender)}，"
            f"身份证号码为{GENDER.label(parsed.gender)}性",
            ErrorCode.ID_MISMATCH,
        )
    basis = row.text("certified_basis", max_length=200)
    birth = row.parse("birth_date", cells.date_cell)
    certified = parsed.birth_date if parsed else None
    if parsed and birth and birth is not MISSING:
        by_month = _month_only(row.raw("birth_date"))
        same = (
            (birth.year, birth.month)
            == (parsed.birth_date.year, parsed.birth_date.month)
            if by_month
            else birth == parsed.birth_date
        )
        if same:
            birth = None if by_month else birth
        elif not basis:
            row.error(
                "birth_date",
                f"出生日期与公民身份号码不一致；如以档案认定为准，请填写认定依据：填写"
                f"{birth:%Y-%m-%d}，身份证号码为{parsed.birth_date:%Y-%m-%d}",
                ErrorCode.BIRTH_DATE_MISMATCH,
            )
        else:
            certified = birth
    ethnicity = row.parse("ethnicity", memo(ETHNICITY))
    political = row.parse("political_status", memo(POLITICAL_STATUS))
    education = row.parse("education", memo(EDUCATION))
    degree = row.parse("degree", memo(DEGREE, optional=True))
    major = row.text("major", max_length=100)
    identity = row.parse("identity", memo(IDENTITY), required="人员身份")
    category = row.parse("category", memo(categories.parse), required="编制类型")
    funding = row.parse("funding", memo(parse_funding_cell), required="经费形式")
    title = row.text("position_title", max_length=100)
    rank = row.parse("rank", memo(RANK, optional=True))
    post_type = ""
    if has_post_type:
        post_type = row.parse("post_type", memo(POST_TYPE, optional=True))
    if identity is not MISSING and rank is not MISSING and post_type is not MISSING:
        if not post_type and identity == Identity.INSTITUTION_STAFF and rank:
            group = RANK.get(rank).extra.get("group")
            post_type = group if group in _POST_GROUPS else ""
        try:
            check_post_type(identity, post_type)
            rules.rank_fits(identity, post_type, rank)
        except ApplicationError as exc:
            if exc.code == ErrorCode.FIELD_REQUIRED:
                exc.detail += "：请在「职级」列填写岗位等级，如 管理岗八级、专技岗十级"
            row.fail("post_type" if has_post_type else "rank", exc)
    entered = row.parse(
        "entered_unit_on",
        lambda v: date_not_after(cells.date_cell(v), today, "进入本单位时间"),
    )
    work_start = row.parse("work_start_date", cells.date_cell, required="参加工作时间")
    if work_start is not MISSING and certified is not None:
        try:
            check_work_start(work_start, certified, today)
        except ApplicationError as exc:
            row.fail("work_start_date", exc)
    remarks = row.text("remarks")
    number = parsed.number if parsed else None
    if not row.ok:
        return None, None, None, None, None, number
    person = {
        "id_number": parsed.number,
        "name": name,
        "gender": gender or None,
        "birth_date": birth or None,
        "certified_basis": basis if certified != parsed.birth_date else "",
        "ethnicity": ethnicity,
        "political_status": political,
        "education": education,
        "degree": degree,
        "major": major,
        "identity": identity,
        "position_title": title,
        "rank": rank,
        "post_type": post_type,
        "work_start_date": work_start,
        "remarks": remarks,
    }
    return person, unit_id, category, funding, entered or None, number


def apply(ctx: Context, plan: RosterPlan) -> tuple[int, str]:
    """Enroll the plan's rows (inside the caller's transaction); refusals
    become RowErrors. Returns (rows accepted, audit batch id)."""
    if not plan.rows:
        return 0, ""
    ctx.applied(0, len(plan.rows))
    # Nothing will be kept (a dry run, or errors found while reading in an
    # all-or-nothing import): the same decisions without the writes.
    check_only = not ctx.commit or (bool(ctx.errors) and not ctx.valid_only)
    result = bulk_enroll(
        actor=ctx.actor,
        rows=plan.rows,
        channel="initial_load",
        start_date=ctx.today,
        doc_no=INITIAL_LOAD_DOC_NO,
        valid_only=True,
        accept_excess=ctx.accept_excess,
        today=ctx.today,
        check_only=check_only,
    )
    for index, exc in result.refused:
        _report(ctx, plan, index, exc)
    ctx.applied(len(plan.rows), len(plan.rows))
    return len(result.accepted), result.batch_id


def _report(ctx: Context, plan: RosterPlan, index: int, exc: ApplicationError) -> None:
    _report_row(ctx, plan.lines[index], plan.raw[index], plan.unit_names[index], exc)


def _report_row(
    ctx: Context, line: int, raw: tuple, unit_name: str, exc: ApplicationError
) -> None:
    """A bulk_enroll refusal as a RowError against the column it is about."""
    key = _CODE_COLUMN.get(exc.code)
    if key is None:
        key = _FIELD_COLUMN.get(exc.field, exc.field) if exc.field else None
    if key == "unit_name" and "unit_name" not in ctx.table.headers:
        key = "uscc"
    if key is not None and key not in ctx.table.schema.keys:
        key = None
    problem = exc.message
    if exc.code == ErrorCode.PERSON_ALREADY_POSTED:
        unit = (exc.params or {}).get("unit")
        if unit and unit == unit_name:
            # The code's label says "another unit"; here it is the same one.
            problem = problem.replace("已在其他单位在编", "已在本单位在编")
            problem += "（疑为重复导入）"
    value = raw[REPORT_KEYS.index(key)] if key in REPORT_KEYS else None
    ctx.add(line, key, value, problem, exc.code)

"""Import of units and quotas (机构编制台账, EXCHANGE.md §1): reading and grouping.

One row per unit × quota account; the unit columns repeat on a unit's rows.
Reading (no writes) parses every cell and groups the rows into units:
- a unit is identified by its 统一社会信用代码, else by (行政区划代码, 单位名称);
  a row without a code joins the unit of the same region and name;
- the unit columns repeated on a unit's rows must agree; a cell left empty
  on a later row means "as above" (files often leave merged cells empty);
- the same unit × 编制类型 × 经费形式 twice is a duplicate row;
- 行政区划代码 must be a code of the national GB/T 2260 table (any era) or a
  region already in the database (such as the demo city's);
- 批准日期 may not lie after the import date (no scheduled quota here).
Writing is import_units_apply.apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bianzhi.core.codes import national_region, normalise_doc_no, parse_uscc
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import InstitutionClass, Region, UnitKind, UnitRank
from bianzhi.quota.models import LeaderLevel, QuotaCategory
from bianzhi.roster.values import normalise_text

from . import cells
from .import_common import (
    MISSING,
    CategoryIndex,
    Context,
    RowCells,
    date_not_after,
    parse_funding_cell,
    unit_key,
)
from .import_units_apply import apply  # noqa: F401  (the importer's second half)

# Columns describing the unit (repeated on each of its rows) and their labels.
UNIT_COLUMNS = (
    "unit_name",
    "short_name",
    "uscc",
    "region_code",
    "parent_name",
    "unit_kind",
    "rank",
    "institution_class",
    "civil_service_managed",
    "in_cap",
    "chief_posts",
    "deputy_posts",
    "leader_level",
)


def _choices(choices, extra: dict[str, tuple[str, ...]] | None = None) -> dict:
    index = {}
    for choice in choices:
        for text in (
            choice.value,
            str(choice.label),
            *(extra or {}).get(choice.value, ()),
        ):
            index[normalise_text(text)] = choice.value
    return index


_KINDS = _choices(
    UnitKind, {"park": ("园区/开发区", "开发区"), "mass_org": ("群团组织",)}
)
_RANKS = _choices(
    UnitRank,
    {
        r.value: (f"{r.label}级",)
        for r in UnitRank
        if r.value not in ("stock", "unranked")
    },
)
_RANKS[normalise_text("不定级")] = "unranked"
_CLASSES = _choices(
    InstitutionClass,
    {
        "administrative": ("承担行政职能的事业单位", "行政类"),
        "public_welfare_1": ("公益一类事业单位",),
        "public_welfare_2": ("公益二类事业单位",),
        "business": ("生产经营类", "从事生产经营活动的事业单位"),
    },
)
_LEVELS = _choices(
    LeaderLevel,
    {
        "provincial": ("省部", "正部", "副部", "正部级", "副部级"),
        "bureau": ("厅局", "正厅", "副厅", "正厅级", "副厅级", "地厅级"),
        "county": ("县处", "正处", "副处", "正处级", "副处级"),
        "township": ("乡科", "正科", "副科", "正科级", "副科级"),
    },
)
# A unit's own leaders sit at the level of its rank (正处 unit → 县处级 posts).
LEVEL_OF_RANK = {
    "minister": "provincial",
    "vice_minister": "provincial",
    "bureau": "bureau",
    "vice_bureau": "bureau",
    "division": "county",
    "vice_division": "county",
    "section": "township",
    "vice_section": "township",
}


def _pick(index: dict, title: str, allowed) -> callable:
    labels = "、".join(str(c.label) for c in allowed)

    def parse(value: object):
        text = cells.text(value)
        if not text:
            return None
        found = index.get(normalise_text(text))
        if found is None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"「{text}」不是有效的{title}，可选：{labels}"
            )
        return found

    return parse


_parse_kind = _pick(_KINDS, "机构类别", UnitKind)
_parse_rank = _pick(_RANKS, "机构规格", UnitRank)
_parse_class = _pick(_CLASSES, "事业单位类别", InstitutionClass)
_parse_level = _pick(_LEVELS, "职数级别", LeaderLevel)


def _parse_uscc(value: object) -> str:
    text = cells.text(value).upper()
    return parse_uscc(text) if text else ""


def _parse_doc_no(value: object) -> str:
    text = cells.text(value)
    return normalise_doc_no(text) if text else ""


@dataclass
class QuotaRow:
    line: int
    category: QuotaCategory | None  # None: the unit's row holds no quota
    funding: str
    approved: int
    doc_no: str  # "" → 初始化导入
    date: dt.date  # 批准日期, or the import date


@dataclass
class UnitGroup:
    line: int  # the unit's first row
    values: dict  # unit column key -> parsed value (None: not given)
    rows: list[QuotaRow] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # every row of the unit

    @property
    def region(self) -> str:
        return self.values["region_code"]

    @property
    def name(self) -> str:
        return self.values["unit_name"]

    @property
    def key(self) -> tuple[str, str]:
        return (self.region, unit_key(self.name))


@dataclass
class UnitsPlan:
    groups: list[UnitGroup] = field(default_factory=list)
    raw: dict[int, dict] = field(default_factory=dict)  # line -> source values


class _Regions:
    """Codes in the database, else the national table; cached per code."""

    def __init__(self) -> None:
        self.known = set(Region.objects.values_list("code", flat=True))
        self.cache: dict[str, bool] = {}

    def parse(self, value: object) -> str:
        code = cells.text(value)
        if not code.isdigit() or len(code) != 6:
            raise ApplicationError(
                ErrorCode.REGION_UNKNOWN, f"「{code}」应为6位数字的行政区划代码"
            )
        if code not in self.cache:
            self.cache[code] = code in self.known or national_region(code) is not None
        if not self.cache[code]:
            raise ApplicationError(
                ErrorCode.REGION_UNKNOWN,
                f"{code}既不在国家行政区划代码表中，也不是系统中已有的行政区划",
            )
        return code


def _parse_row(row: RowCells, categories: CategoryIndex, regions: _Regions, today):
    values = {
        "unit_name": row.text("unit_name", required="单位名称", max_length=120),
        "short_name": row.text("short_name", max_length=60),
        "uscc": row.parse("uscc", _parse_uscc),
        "region_code": row.parse("region_code", regions.parse, required="行政区划代码"),
        "parent_name": row.text("parent_name", max_length=120),
        "unit_kind": row.parse("unit_kind", _parse_kind, required="机构类别"),
        "rank": row.parse("rank", _parse_rank),
        "institution_class": row.parse("institution_class", _parse_class),
        "civil_service_managed": row.parse("civil_service_managed", cells.bool_cell),
        "in_cap": row.parse("in_cap", cells.bool_cell),
        "chief_posts": row.parse("chief_posts", cells.int_cell),
        "deputy_posts": row.parse("deputy_posts", cells.int_cell),
        "leader_level": row.parse("leader_level", _parse_level),
    }
    # A unit that holds no quota (e.g. a 议事协调机构) is one row with all
    # three quota cells empty; one or two of them empty is an error.
    no_quota = not any(row.has(k) for k in ("category", "funding", "approved"))
    category = funding = approved = None
    if not no_quota:
        category = row.parse("category", categories.parse, required="编制类型")
        funding = row.parse("funding", parse_funding_cell, required="经费形式")
        approved = row.parse("approved", cells.int_cell, required="核定编制数")
    doc_no = row.parse("doc_no", _parse_doc_no)
    day = row.parse(
        "approved_on", lambda v: date_not_after(cells.date_cell(v), today, "批准日期")
    )
    if (
        not no_quota
        and category is not MISSING
        and funding is not MISSING
        and category.full_funding_only
        and funding != "full"
    ):
        row.error(
            "funding",
            f"{category.name}只能为财政拨款",
            ErrorCode.VALUE_INVALID,
        )
    if not row.ok:
        return None, None
    # "" and None both mean "not given" for the unit columns.
    values = {k: (None if v == "" else v) for k, v in values.items()}
    if no_quota:
        return values, QuotaRow(row.line, None, "", 0, doc_no, day or today)
    quota = QuotaRow(row.line, category, funding, approved, doc_no, day or today)
    return values, quota


def read(ctx: Context) -> UnitsPlan:
    plan = UnitsPlan()
    categories = CategoryIndex()
    regions = _Regions()
    by_key: dict[tuple[str, str], UnitGroup] = {}
    by_uscc: dict[str, UnitGroup] = {}
    for source in ctx.table.rows:
        ctx.read_one(source.line)
        plan.raw[source.line] = source.values
        row = RowCells(ctx, source.line, source.values)
        try:
            values, quota = _parse_row(row, categories, regions, ctx.today)
            if values is not None:
                _group(row, values, quota, plan, by_key, by_uscc)
        except Exception as exc:  # noqa: BLE001 — never a 500: the row is refused
            row.fail(None, exc)
    return plan


def _group(row: RowCells, values: dict, quota: QuotaRow, plan, by_key, by_uscc) -> None:
    key = (values["region_code"], unit_key(values["unit_name"]))
    code = values["uscc"]
    group = by_uscc.get(code) if code else None
    if group is not None and group.key != key:
        row.error(
            "uscc",
            f"统一社会信用代码已被其他单位使用：与第{group.line}行的「{group.name}」相同",
            ErrorCode.USCC_TAKEN,
        )
        return
    group = group or by_key.get(key)
    if group is None:
        group = UnitGroup(row.line, dict(values))
        plan.groups.append(group)
        by_key[key] = group
    else:
        for column in UNIT_COLUMNS:
            mine, theirs = values[column], group.values[column]
            if mine is None or mine == theirs:
                continue
            if theirs is None:
                group.values[column] = mine
                continue
            row.error(
                column,
                f"与第{group.line}行（同一单位）的「{row.ctx.header(column)}」不一致："
                f"「{_shown(column, theirs)}」与「{_shown(column, mine)}」",
                ErrorCode.VALUE_INVALID,
            )
        if not row.ok:
            return
        for other in group.rows:
            if quota.category is None or other.category is None:
                continue
            if (other.category.pk, other.funding) == (quota.category.pk, quota.funding):
                row.error(
                    "category",
                    f"文件中有重复的行：与第{other.line}行同为{group.name}的"
                    f"{quota.category.name}·{cells.text(row.raw('funding'))}",
                    ErrorCode.DUPLICATE_ROW,
                )
                return
    if group.values["uscc"]:
        by_uscc[group.values["uscc"]] = group
    group.rows.append(quota)
    group.lines.append(row.line)


_LABELS = {
    "unit_kind": UnitKind,
    "rank": UnitRank,
    "institution_class": InstitutionClass,
    "leader_level": LeaderLevel,
}


def _shown(column: str, value) -> str:
    """A parsed unit value as the file would spell it (labels, 是/否)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    choices = _LABELS.get(column)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return str(value)

"""What the importers share: the run context (options, errors, progress),
cell parsing that turns every problem into a RowError, and the lookups of
units and quota categories as a file names them.

Decisions:
- Unit names are matched after the cells' own normalisation (full-width ASCII
  to half-width) with all whitespace removed, on both sides, so 「示例市 财政局」
  and 「示例市财政局（机关）」 typed with half-width brackets find their unit.
- A name shared by active units of several regions needs the credit code.
- Category cells accept the code, the name, the category's aliases and the
  VALUES.md short forms (行政, 事业 …), matched like the other value sets.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bianzhi.core.actor import Actor
from bianzhi.core.codes import parse_uscc
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit
from bianzhi.quota.models import QuotaCategory
from bianzhi.quota.rules import parse_funding
from bianzhi.roster.values import normalise_text

from . import cells
from .readers import Table
from .report import RowError

log = logging.getLogger(__name__)

MISSING = object()  # a cell that could not be parsed (its RowError is recorded)
PROGRESS_EVERY = 2000

# VALUES.md short forms of the national categories (编制类型 aliases).
_CATEGORY_ALIASES = {
    "administrative": ("行政", "行政编"),
    "political_legal": ("政法专项", "政法编制", "政法"),
    "institutional": ("事业", "事业编"),
    "logistics": ("机关工勤编制", "工勤", "工勤编"),
    "veteran_cadre": ("老干", "老干部编制"),
}


@dataclass
class Context:
    actor: Actor
    kind: str
    table: Table
    filename: str
    commit: bool
    valid_only: bool
    accept_excess: bool
    today: dt.date
    on_read: Callable[[int, int | None], None] | None = None  # rows read, total
    on_apply: Callable[[int, int | None], None] | None = None
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    lines: set[int] = field(default_factory=set)  # every data line read

    # --- errors ------------------------------------------------------------------

    def header(self, key: str) -> str:
        """The column's header as the file spells it, else the canonical one."""
        found = self.table.headers.get(key)
        if found:
            return found
        try:
            return self.table.schema.header_of(key)
        except KeyError:
            return ""

    def add(
        self,
        line: int,
        key: str | None,
        value: Any,
        problem: str,
        code: ErrorCode | str,
    ) -> None:
        self.errors.append(
            RowError(
                line=line,
                column=self.header(key) if key else "",
                value=shown_value(value),
                problem=problem,
                code=str(code),
            )
        )

    def fail(self, line: int, key: str | None, value: Any, exc: Exception) -> None:
        """Record an exception raised for a cell/row as a RowError."""
        if isinstance(exc, ApplicationError):
            self.add(line, key, value, exc.message, exc.code)
            return
        # Never a 500: an unexpected value is reported against its row.
        log.warning("import %s line %s: unexpected %r", self.kind, line, exc)
        self.add(
            line,
            key,
            value,
            f"无法处理该值（{type(exc).__name__}）",
            ErrorCode.VALUE_INVALID,
        )

    # --- progress ---------------------------------------------------------------

    def read_one(self, line: int) -> None:
        self.rows += 1
        self.lines.add(line)
        if self.on_read and self.rows % PROGRESS_EVERY == 0:
            self.on_read(self.rows, self.table.total_hint)

    def applied(self, done: int, total: int | None) -> None:
        """Progress of the writing phase, scaled to the file's rows (the bar
        counts rows of the file in both phases)."""
        if self.on_apply and total:
            self.on_apply(self.rows * done // total, self.rows)

    @property
    def bad_lines(self) -> set[int]:
        return {e.line for e in self.errors if e.line}


def shown_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    return cells.text(value)


class RowCells:
    """Parse the cells of one SourceRow; every problem becomes a RowError."""

    def __init__(self, ctx: Context, line: int, values: dict[str, object]):
        self.ctx, self.line, self.values = ctx, line, values
        self.ok = True

    def raw(self, key: str) -> object:
        return self.values.get(key)

    def has(self, key: str) -> bool:
        return not cells.is_blank(self.values.get(key))

    def error(self, key: str | None, problem: str, code, value: Any = MISSING) -> None:
        self.ok = False
        shown = self.values.get(key) if (value is MISSING and key) else value
        self.ctx.add(self.line, key, None if shown is MISSING else shown, problem, code)

    def fail(self, key: str | None, exc: Exception) -> None:
        self.ok = False
        self.ctx.fail(self.line, key, self.values.get(key) if key else None, exc)

    def parse(self, key: str, fn: Callable[[object], Any], *, required: str = ""):
        """fn(raw cell) or MISSING; `required` is the message for an empty cell."""
        raw = self.values.get(key)
        if required and cells.is_blank(raw):
            self.error(
                key, f"必填项不能为空：请填写{required}", ErrorCode.FIELD_REQUIRED
            )
            return MISSING
        try:
            return fn(raw)
        except Exception as exc:  # noqa: BLE001 — reported as the row's error
            self.fail(key, exc)
            return MISSING

    def text(self, key: str, *, required: str = "", max_length: int = 0) -> Any:
        value = self.parse(key, cells.text, required=required)
        if value is MISSING or not max_length or len(value) <= max_length:
            return value
        self.error(key, f"内容过长（最多{max_length}个字）", ErrorCode.VALUE_INVALID)
        return MISSING


# --- units -------------------------------------------------------------------------


def unit_key(name: str) -> str:
    return re.sub(r"\s+", "", cells.halfwidth(name or ""))


@dataclass
class UnitIndex:
    """Active units by normalised name and by credit code (one query)."""

    by_name: dict[
        str, list[tuple[int, str, str, str]]
    ]  # key -> [(id, name, region, uscc)]
    by_uscc: dict[str, tuple[int, str, str, str]]
    inactive: dict[str, str]  # normalised name of a revoked/merged unit -> status
    names: dict[int, str] = field(default_factory=dict)  # id -> name

    @classmethod
    def load(cls) -> UnitIndex:
        by_name: dict[str, list] = defaultdict(list)
        by_uscc: dict[str, tuple] = {}
        inactive: dict[str, str] = {}
        for pk, name, region, uscc, status in Unit.objects.values_list(
            "pk", "name", "region_id", "uscc", "status"
        ).iterator(chunk_size=5000):
            entry = (pk, name, region, uscc)
            if status != Unit.Status.ACTIVE:
                inactive.setdefault(unit_key(name), status)
                if uscc:
                    by_uscc.setdefault(uscc, entry)
                continue
            by_name[unit_key(name)].append(entry)
            if uscc:
                by_uscc[uscc] = entry
        names = {e[0]: e[1] for entries in by_name.values() for e in entries}
        return cls(dict(by_name), by_uscc, inactive, names)

    def resolve(self, row: RowCells) -> int | None:
        """The unit a row names by 单位名称 and/or 统一社会信用代码 (both given
        must agree), or None with the RowError recorded."""
        name = row.text("unit_name")
        code = row.text("uscc")
        if name is MISSING or code is MISSING:
            return None
        found_by_code = None
        if code:
            try:
                code = parse_uscc(code)
            except ApplicationError as exc:
                row.fail("uscc", exc)
                return None
            found_by_code = self.by_uscc.get(code)
            if found_by_code is None:
                row.error(
                    "uscc",
                    f"单位不存在：没有统一社会信用代码为{code}的单位",
                    ErrorCode.UNIT_UNKNOWN,
                )
                return None
        if not name:
            if found_by_code is None:
                row.error(
                    "unit_name",
                    "必填项不能为空：请填写单位名称或统一社会信用代码",
                    ErrorCode.FIELD_REQUIRED,
                )
                return None
            return found_by_code[0]
        key = unit_key(name)
        if found_by_code is not None:
            if unit_key(found_by_code[1]) != key:
                row.error(
                    "unit_name",
                    f"单位名称与统一社会信用代码不一致：{code}是「{found_by_code[1]}」的代码",
                    ErrorCode.UNIT_UNKNOWN,
                )
                return None
            return found_by_code[0]
        matches = self.by_name.get(key, [])
        if len(matches) == 1:
            return matches[0][0]
        if len(matches) > 1:
            regions = "、".join(sorted(m[2] for m in matches))
            row.error(
                "unit_name",
                f"有多个行政区划（{regions}）存在名为「{name}」的单位，请填写统一社会信用代码",
                ErrorCode.UNIT_UNKNOWN,
            )
            return None
        if key in self.inactive:
            row.error(
                "unit_name", f"单位已撤销或合并：「{name}」", ErrorCode.UNIT_INACTIVE
            )
            return None
        row.error("unit_name", f"单位不存在：「{name}」", ErrorCode.UNIT_UNKNOWN)
        return None

    def name_of(self, unit_id: int) -> str:
        return self.names.get(unit_id, "")


# --- categories and funding ------------------------------------------------------------


class CategoryIndex:
    def __init__(self) -> None:
        self.by_key: dict[str, QuotaCategory] = {}
        self.names: list[str] = []
        for category in QuotaCategory.objects.order_by("sort_order", "code"):
            self.names.append(category.name)
            texts = [category.code, category.name, *(category.aliases or [])]
            texts += _CATEGORY_ALIASES.get(category.code, ())
            for text in texts:
                self.by_key.setdefault(normalise_text(text), category)

    def parse(self, value: object) -> QuotaCategory:
        text = cells.text(value)
        found = self.by_key.get(normalise_text(text))
        if found is None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"「{text}」不是有效的编制类型，可选：{'、'.join(self.names)}",
                field="category",
            )
        return found


def parse_funding_cell(value: object) -> str:
    text = re.sub(r"\s+", "", cells.text(value))
    try:
        return parse_funding(text)
    except ApplicationError as exc:
        exc.detail = f"「{text}」不是有效的经费形式，可选：财政拨款、财政补贴、经费自理"
        raise


def date_not_after(day: dt.date | None, today: dt.date, what: str) -> dt.date | None:
    if day is not None and day > today:
        raise ApplicationError(
            ErrorCode.DATE_INVALID, f"{what}{day}晚于导入日期{today}"
        )
    return day

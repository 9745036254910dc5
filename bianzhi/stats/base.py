"""What a statistical form is (DOMAIN §8): a name, a title and a function
from a selection (region or unit subtree + as-of date) to rows.

Every form returns a FormResult; the exports (xlsx/csv/json/pdf), the web page
with its drill-down and `bianzhi stats` all work from that one shape, so a
form module only computes numbers.

    from bianzhi.stats.base import Column, Form, FormResult, Row, register

    class Overview(Form):
        name = "overview"; number = 1; title = "机构编制总体情况表"
        yoy = True
        def compute(self, selection): ...
    register(Overview())
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from bianzhi.core.errors import ApplicationError, ErrorCode

CellKind = Literal["text", "int", "decimal", "pct", "date"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the lower (leaf) header, Chinese
    # The upper header: consecutive columns with the same group share one
    # merged cell above their labels; "" = the label spans both header rows.
    group: str = ""
    kind: CellKind = "int"
    # Summed into the totals row (numeric columns only). Ratios are not sums:
    # a form recomputes them for the totals row itself.
    total: bool = True


@dataclass
class Row:
    cells: dict[str, Any]
    level: int = 0  # indentation: 0 region/top, 1 unit, 2 account ...
    # The next level down, for the web page's drill-down. One key of:
    #   {"region": "370102"}  {"unit": "123"}  {"account": "45"}
    #   {"persons": "<query string for the roster search page>"}
    #   {"movement": "678"}  (a ledger movement's own page, form 10)
    # None: no deeper level.
    drill: dict[str, str] | None = None
    subtotal: bool = False  # a group's own sum inside the table (not summed again)
    # Stable identity of the row across dates (region code, unit id, account
    # id, category×funding …): the year-over-year comparison joins on it.
    key: str = ""


@dataclass(frozen=True)
class Selection:
    as_of: dt.date
    region_code: str | None = None  # the region and all its sub-regions
    unit_id: int | None = None  # the unit and its sub-units (parent tree)
    label: str = ""  # shown in titles: 「济南市」「某某局」
    # Start of the period of the forms that list events (ledger, changes):
    # None = 1 January of the as-of year. See `period`.
    period_start: dt.date | None = None
    # The units the viewer may see (a unit_hr's own units); None = every unit
    # the region/unit selection covers. scope.units_in applies it, so a form
    # built on units_in never shows a unit outside the viewer's scope.
    within: frozenset[int] | None = None
    # How the forms that count events per period break them down: "month",
    # "quarter" or "year" ("" = the form's default). CLI --period, web ?period=.
    interval: str = ""

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        """[start, as_of] of the event-listing forms (both ends included)."""
        start = self.period_start or self.as_of.replace(month=1, day=1)
        return min(start, self.as_of), self.as_of


@dataclass
class FormResult:
    form: str
    title: str
    selection: Selection
    columns: list[Column]
    rows: list[Row]
    totals: dict[str, Any] | None = None  # the 合计 row; None for forms without one
    notes: list[str] = field(default_factory=list)  # printed under the table

    def records(self) -> list[dict[str, Any]]:
        """The rows as plain objects (the .json and .csv exports)."""
        keys = [c.key for c in self.columns]
        return [{k: row.cells.get(k) for k in keys} for row in self.rows]


class Form:
    name: str = ""  # stable identifier used by `bianzhi stats NAME`
    number: int = 0  # its place in DOMAIN §8 (1..10; later forms 11+)
    title: str = ""  # Chinese title, e.g. 机构编制总体情况表
    yoy: bool = False  # offers the year-over-year comparison

    def compute(self, selection: Selection) -> FormResult:
        raise NotImplementedError


_forms: dict[str, Form] = {}


def register(form: Form) -> Form:
    if not form.name or not form.title:
        raise ValueError("a form needs a name and a title")
    existing = _forms.get(form.name)
    if existing is not None and type(existing) is not type(form):
        raise ValueError(f"stats form {form.name!r} is already registered")
    _forms[form.name] = form
    return form


def get(name: str) -> Form:
    try:
        return _forms[name]
    except KeyError:
        raise ApplicationError(
            ErrorCode.FORM_UNKNOWN, f"没有名为「{name}」的统计表", field="form"
        ) from None


def all_forms() -> list[Form]:
    return sorted(_forms.values(), key=lambda f: (f.number, f.name))

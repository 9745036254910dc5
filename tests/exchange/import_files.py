"""Arrangement of the import tests: small real files (openpyxl / csv) and
database counts. The city and its units come from the roster tests' fixtures
(built through the orgs and quota services)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl

from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent
from bianzhi.exchange.imports import run_import
from bianzhi.exchange.models import ImportRun
from bianzhi.exchange.schemas import OFFQUOTA, ROSTER, UNITS
from bianzhi.orgs.models import Region, Unit
from bianzhi.quota.models import LeaderPostQuota, QuotaAccount, QuotaMovement
from bianzhi.roster.models import OffQuotaStaff, Person, Posting

from ..roster.conftest import make_id

SYSTEM = Actor.system("测试导入")
TODAY = dt.date(2026, 6, 15)
SCHEMAS = {"units": UNITS, "roster": ROSTER, "offquota": OFFQUOTA}

ROSTER_KEYS = [
    "seq", "unit_name", "name", "id_number", "gender", "birth_date", "ethnicity",
    "political_status", "education", "degree", "identity", "category", "funding",
    "rank", "entered_unit_on", "work_start_date",
]  # fmt: skip


def pid(n: int, *, birth: str = "19850607", female: bool = False) -> str:
    """A valid ID number; n (0..999) makes it unique."""
    seq = f"{n % 100:02d}{2 if female else 1}"
    region = ("110101", "110102", "110105", "110106", "110107")[n // 100 % 5]
    return make_id(birth, seq, region=region)


def person(n: int, unit: str = "示例市财政局", **over) -> dict:
    """A valid roster row (civil servant, administrative quota, full funding)."""
    row = {
        "seq": n,
        "unit_name": unit,
        "name": f"测试{n}",
        "id_number": pid(n),
        "gender": "男",
        "birth_date": "1985-06-07",
        "ethnicity": "汉族",
        "political_status": "中共党员",
        "education": "大学本科",
        "degree": "学士",
        "identity": "公务员",
        "category": "行政编制",
        "funding": "财政拨款",
        "rank": "一级科员",
        "entered_unit_on": "2012-07-01",
        "work_start_date": "2008-07-01",
    }
    row.update(over)
    return row


def write_file(
    path: Path, kind: str, rows: list[dict], keys: list[str] | None = None
) -> Path:
    """Header (canonical names) + rows, as .xlsx (openpyxl) or .csv by suffix."""
    schema = SCHEMAS[kind]
    keys = keys or list(dict.fromkeys(k for row in rows for k in row))
    headers = [schema.header_of(k) for k in keys]
    lines = [headers] + [[row.get(k) for k in keys] for row in rows]
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            for line in lines:
                writer.writerow(["" if v is None else v for v in line])
        return path
    book = openpyxl.Workbook()
    sheet = book.active
    for line in lines:
        sheet.append(line)
    book.save(path)
    return path


def roster_file(tmp_path: Path, rows: list[dict], name: str = "roster.xlsx", **kw):
    return write_file(tmp_path / name, "roster", rows, kw.get("keys") or ROSTER_KEYS)


def load(kind: str, path: Path, **kw):
    kw.setdefault("actor", SYSTEM)
    kw.setdefault("today", TODAY)
    return run_import(kind=kind, path=path, **kw)


def counts() -> dict[str, int]:
    """Everything an import may write."""
    models = (
        Person, Posting, OffQuotaStaff, AuditEvent, Unit, Region, QuotaMovement,
        QuotaAccount, LeaderPostQuota, ImportRun,
    )  # fmt: skip
    data = {m.__name__: m.objects.count() for m in models}
    data["occupied"] = sum(QuotaAccount.objects.values_list("occupied", flat=True))
    return data


def codes(result) -> list[tuple[int, str, str]]:
    """(line, column, code) of every error."""
    return [(e.line, e.column, e.code) for e in result.errors]

"""Readers of the three external files (EXCHANGE.md §3–5) into DuckDB tables.

Each produces one normalised table:
- pay(line, id_raw, id, problem, name_raw, name_n, unit_name, uscc,
  unit_key, kind, net) — kind is 在编 / 编外 / 离退休;
- soc(line, id_raw, id, problem, name_raw, name_n, unit_name, uscc,
  unit_key, insurance, status, status_raw) — status normal / paused / ended / other;
- pop(line, id_raw, id, problem, name_raw, name_n, status, changed_on).
`problem` is NULL for a valid ID number, else the Chinese reason (R9).
Units are recognised through readers.common.unit_map (the roster is loaded
first). Each table is written by one statement over the staged rows.

A payroll or social-insurance file covers one month: a 发放年月 / 缴费年月
column with two months is refused (MONTH_MIXED), one other than the month
asked for too (MONTH_MISMATCH).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.exchange import cells

from ..normalize import mark_bad_regions
from ..schemas import PAYROLL, POPULATION, SOCIAL
from .common import (
    Staged,
    ensure_columns,
    mark_problems,
    skip_condition,
    stage,
    unit_map,
)

_COMMON = (
    "{line} AS line, text_norm(r.id_number) AS id_raw, id_norm(r.id_number) AS id, "
    "text_norm(r.name) AS name_raw, name_norm(r.name) AS name_n, "
    "CAST(NULL AS VARCHAR) AS problem"
)
_UNIT = "m.m_unit_name AS unit_name, m.m_uscc AS uscc, m.m_unit_key AS unit_key"


def _finish(con: duckdb.DuckDBPyConnection, table: str, staged: Staged) -> None:
    mark_problems(con, table, known="known_ids")
    mark_bad_regions(con, table)
    con.execute(f"DROP TABLE {staged.table}")
    staged.rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if staged.rows == 0:
        raise ApplicationError(
            ErrorCode.FILE_UNREADABLE, f"「{staged.filename}」中没有数据行"
        )


def _check_month(con, staged: Staged, month: dt.date, header: str) -> None:
    values = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT month FROM {staged.table} "
            "WHERE month IS NOT NULL AND nullif(trim(coalesce(id_number, '')), '') IS NOT NULL"
        ).fetchall()
    ]
    values = sorted({v.strip() for v in values if v and v.strip()})
    months: set[tuple[int, int]] = set()
    for value in values:
        raw: object = value
        if value.isdigit() and len(value) == 6:
            raw = int(value)
        try:
            day = cells.date_cell(raw)
        except ApplicationError as exc:
            raise ApplicationError(
                ErrorCode.DATE_INVALID,
                f"「{staged.filename}」列「{header}」的值「{value}」无法识别：{exc.detail}",
            ) from None
        if day is not None:
            months.add((day.year, day.month))
    if len(months) > 1:
        shown = "、".join(f"{y}年{m}月" for y, m in sorted(months))
        raise ApplicationError(
            ErrorCode.MONTH_MIXED,
            f"「{staged.filename}」列「{header}」含有多个月份（{shown}），"
            "每个文件只能是一个月的数据",
            params={"months": [f"{y}-{m:02d}" for y, m in sorted(months)]},
        )
    if months and months != {(month.year, month.month)}:
        (y, m) = next(iter(months))
        raise ApplicationError(
            ErrorCode.MONTH_MISMATCH,
            f"「{staged.filename}」是{y}年{m}月的数据，比对月份为"
            f"{month.year}年{month.month}月",
        )


def load_payroll(
    con, path: Path, *, month: dt.date, workdir: Path, filename=None, opened=None
) -> Staged:
    staged = stage(
        con,
        source="payroll",
        path=path,
        schema=PAYROLL,
        workdir=workdir,
        filename=filename,
        opened=opened,
    )
    ensure_columns(con, staged, PAYROLL)
    _check_month(con, staged, month, PAYROLL.header_of("month"))
    join = unit_map(con, staged)
    con.execute(
        f"CREATE OR REPLACE TABLE pay AS SELECT {_COMMON.format(line=staged.line)}, {_UNIT}, "
        "CASE WHEN r.kind LIKE '%退%' OR r.kind LIKE '%离休%' THEN '离退休' "
        "WHEN r.kind LIKE '%编外%' OR r.kind IN ('聘用', '临时', '劳务派遣') THEN '编外' "
        "ELSE '在编' END AS kind, amount(r.net) AS net "
        f"FROM {staged.table} r {join} WHERE NOT {skip_condition(staged, PAYROLL)}"
    )
    _finish(con, "pay", staged)
    return staged


def load_social(
    con, path: Path, *, month: dt.date, workdir: Path, filename=None, opened=None
) -> Staged:
    staged = stage(
        con,
        source="social",
        path=path,
        schema=SOCIAL,
        workdir=workdir,
        filename=filename,
        opened=opened,
    )
    ensure_columns(con, staged, SOCIAL)
    _check_month(con, staged, month, SOCIAL.header_of("month"))
    join = unit_map(con, staged)
    con.execute(
        f"CREATE OR REPLACE TABLE soc AS SELECT {_COMMON.format(line=staged.line)}, {_UNIT}, "
        "text_norm(r.insurance) AS insurance, "
        "CASE WHEN r.status LIKE '%正常%' THEN 'normal' WHEN r.status LIKE '%暂停%' "
        "THEN 'paused' WHEN r.status LIKE '%终止%' THEN 'ended' ELSE 'other' END AS status, "
        "text_norm(r.status) AS status_raw "
        f"FROM {staged.table} r {join} WHERE NOT {skip_condition(staged, SOCIAL)}"
    )
    _finish(con, "soc", staged)
    return staged


def load_population(
    con, path: Path, *, month: dt.date, workdir: Path, filename=None, opened=None
) -> Staged:
    staged = stage(
        con,
        source="population",
        path=path,
        schema=POPULATION,
        workdir=workdir,
        filename=filename,
        opened=opened,
    )
    ensure_columns(con, staged, POPULATION)
    con.execute(
        f"CREATE OR REPLACE TABLE pop AS SELECT {_COMMON.format(line=staged.line)}, "
        "CASE WHEN r.status LIKE '%死亡%' THEN '死亡' WHEN r.status LIKE '%注销%' "
        "THEN '注销' WHEN r.status LIKE '%迁出%' THEN '迁出' ELSE '正常' END AS status, "
        "text_norm(r.changed_on) AS changed_raw, "
        "TRY_CAST(text_norm(r.changed_on) AS DATE) AS changed_on "
        f"FROM {staged.table} r WHERE NOT {skip_condition(staged, POPULATION)}"
    )
    parse_dates(con, "pop", "changed_raw", "changed_on")
    _finish(con, "pop", staged)
    return staged


def parse_dates(con, table: str, raw: str, target: str) -> None:
    """Complete `target` (already TRY_CAST from ISO text) for the other
    forms: each distinct leftover value is parsed once with
    exchange.cells.date_cell (every Chinese form); unparseable values stay
    NULL."""
    values = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {raw} FROM {table} WHERE {raw} IS NOT NULL "
            f"AND {target} IS NULL"
        ).fetchall()
    ]
    parsed_v, parsed_d = [], []
    for value in values:
        raw_value: object = value
        if value.isdigit() and len(value) in (6, 8):
            raw_value = int(value)
        try:
            day = cells.date_cell(raw_value)
        except ApplicationError:
            day = None
        if day is not None:
            parsed_v.append(value)
            parsed_d.append(day)
    if not parsed_v:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _dates (v VARCHAR, d DATE)")
    con.execute(
        "INSERT INTO _dates SELECT unnest($1), unnest($2)", [parsed_v, parsed_d]
    )
    con.execute(
        f"UPDATE {table} SET {target} = _dates.d FROM _dates "
        f"WHERE {table}.{raw} = _dates.v AND {table}.{target} IS NULL"
    )

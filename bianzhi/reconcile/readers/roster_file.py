"""The roster from a file (`--roster`, EXCHANGE.md §2 export + the optional
columns of reconcile/schemas.py) into the tables the rules read:

roster(id, name_raw, name_n, unit_key, unit_name, unit_id, uscc, account_key,
       category, funding, tongfa, start_d, end_d, at_end, retire_d,
       entered_d, line, approved)
offq(id, name_raw, name_n, unit_key, unit_name, unit_id, public, line)
secd(id, host_key, host_name, start_d, end_d)
units(unit_key, unit_id, unit_name, uscc, unit_n)

A file is a snapshot "as of the month": every row counts as on the roster
for the whole month (no start/end), and 进入本单位时间 within the month marks
a transfer-in, whose previous unit may still pay that month (a near miss,
not R7). Rows with an invalid ID number are left out and counted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..normalize import mark_bad_regions
from ..schemas import ROSTER_FILE
from .common import Staged, ensure_columns, mark_problems, skip_condition, stage
from .external import parse_dates

_IDENTITY = (
    "CASE WHEN trim(r.identity) IN ('公务员', 'civil_servant') THEN 'civil_servant' "
    "WHEN trim(r.identity) IN ('参公人员', '参照公务员法管理人员', 'cs_managed') THEN 'cs_managed' "
    "WHEN trim(r.identity) IN ('机关工勤人员', '工勤人员', 'logistics_worker') THEN 'logistics_worker' "
    "ELSE 'institution_staff' END"
)
_FUNDING = (
    "CASE WHEN trim(r.funding) IN ('财政拨款', '全额拨款', '财政资金', 'full') THEN 'full' "
    "WHEN trim(r.funding) IN ('财政补贴', '差额拨款', 'partial') THEN 'partial' "
    "ELSE 'self' END"
)


def load_roster_file(
    con,
    path: Path,
    *,
    month: dt.date,
    last: dt.date,
    tongfa: tuple[str, ...],
    workdir: Path,
    filename: str | None = None,
) -> Staged:
    staged = stage(
        con,
        source="roster",
        path=path,
        schema=ROSTER_FILE,
        workdir=workdir,
        filename=filename,
    )
    ensure_columns(con, staged, ROSTER_FILE)
    # The file's units, normalised once each: name -> credit code where any
    # row gives one, so rows naming a unit without its code still match.
    con.execute(
        "CREATE OR REPLACE TABLE ru AS SELECT u_raw, c_raw, text_norm(u_raw) AS m_unit_name, "
        "uscc_norm(c_raw) AS m_uscc, unit_norm(u_raw) AS m_unit_n FROM (SELECT DISTINCT "
        f"coalesce(unit_name, '') AS u_raw, coalesce(uscc, '') AS c_raw FROM {staged.table} "
        f"UNION SELECT DISTINCT coalesce(host_unit, ''), '' FROM {staged.table} "
        "WHERE host_unit IS NOT NULL)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE umap AS SELECT m_unit_n AS unit_n, min(m_uscc) AS uscc "
        "FROM ru WHERE m_uscc IS NOT NULL AND m_unit_n IS NOT NULL GROUP BY m_unit_n"
    )
    con.execute(
        "CREATE OR REPLACE TABLE ru AS SELECT ru.*, coalesce(ru.m_uscc, umap.uscc, "
        "'N:' || ru.m_unit_n) AS m_unit_key FROM ru LEFT JOIN umap ON umap.unit_n = ru.m_unit_n"
    )
    funding_list = ", ".join(f"'{f}'" for f in tongfa)
    con.execute(
        "CREATE OR REPLACE TABLE rf AS SELECT "
        f"{staged.line} AS line, id_norm(r.id_number) AS id, "
        "text_norm(r.name) AS name_raw, name_norm(r.name) AS name_n, "
        "m.m_unit_name AS unit_name, m.m_uscc AS uscc, m.m_unit_key AS unit_key, "
        "text_norm(r.category) AS category, "
        f"{_FUNDING} AS funding, {_IDENTITY} AS identity, "
        "CASE WHEN trim(r.gender) IN ('男', 'M') THEN 'M' WHEN trim(r.gender) IN ('女', 'F') THEN 'F' "
        "WHEN TRY_CAST(substr(id_norm(r.id_number), 17, 1) AS INTEGER) % 2 = 1 "
        "THEN 'M' ELSE 'F' END AS gender, "
        "CASE WHEN r.post_type LIKE '%工勤%' OR r.rank LIKE '%工勤%' "
        "OR r.rank LIKE '%技术工%' OR r.rank LIKE '%普通工%' "
        "THEN 'skilled_worker' ELSE 'management' END AS post_type, "
        "text_norm(r.birth_date) AS birth_raw, TRY_CAST(text_norm(r.birth_date) AS DATE) AS birth, "
        "text_norm(r.entered_unit_on) AS entered_raw, "
        "TRY_CAST(text_norm(r.entered_unit_on) AS DATE) AS entered_d, "
        "TRY_CAST(amount(r.approved) AS INTEGER) AS approved, "
        "CASE WHEN r.host_unit IS NOT NULL THEN text_norm(r.host_unit) END AS host_name, "
        "h.m_unit_key AS host_key, "
        "text_norm(r.secondment_start) AS s_start_raw, "
        "TRY_CAST(text_norm(r.secondment_start) AS DATE) AS s_start, "
        "text_norm(r.secondment_end) AS s_end_raw, "
        "TRY_CAST(text_norm(r.secondment_end) AS DATE) AS s_end, "
        "CAST(NULL AS VARCHAR) AS problem "
        f"FROM {staged.table} r LEFT JOIN ru m ON m.u_raw = coalesce(r.unit_name, '') "
        "AND m.c_raw = coalesce(r.uscc, '') LEFT JOIN ru h ON r.host_unit IS NOT NULL "
        "AND h.u_raw = r.host_unit AND h.c_raw = '' "
        f"WHERE NOT {skip_condition(staged, ROSTER_FILE)}"
    )
    mark_problems(con, "rf")
    mark_bad_regions(con, "rf")
    for raw, target in (
        ("birth_raw", "birth"),
        ("entered_raw", "entered_d"),
        ("s_start_raw", "s_start"),
        ("s_end_raw", "s_end"),
    ):
        parse_dates(con, "rf", raw, target)
    con.execute(f"DROP TABLE {staged.table}")
    staged.rows = con.execute("SELECT count(*) FROM rf").fetchone()[0]
    if staged.rows == 0:
        from bianzhi.core.errors import ApplicationError, ErrorCode

        raise ApplicationError(
            ErrorCode.FILE_UNREADABLE, f"「{staged.filename}」中没有数据行"
        )
    con.execute(
        "CREATE OR REPLACE TABLE known_ids AS SELECT DISTINCT id FROM rf "
        "WHERE problem IS NULL"
    )
    con.execute(
        "CREATE OR REPLACE TABLE roster AS SELECT id, name_raw, name_n, unit_key, "
        "unit_name, CAST(NULL AS BIGINT) AS unit_id, uscc, "
        "unit_key || '|' || coalesce(category, '') || '|' || funding AS account_key, "
        f"category, funding, funding IN ({funding_list}) AS tongfa, "
        "CAST(NULL AS DATE) AS start_d, CAST(NULL AS DATE) AS end_d, true AS at_end, "
        "retire_date(gender, identity, post_type, "
        "coalesce(birth, CAST(strptime(substr(id, 7, 8), '%Y%m%d') AS DATE))) AS retire_d, "
        "entered_d, line, approved FROM rf "
        "WHERE problem IS NULL AND coalesce(category, '') NOT IN ('编外', '编外人员')"
    )
    con.execute(
        "CREATE OR REPLACE TABLE offq AS SELECT id, name_raw, name_n, unit_key, unit_name, "
        "CAST(NULL AS BIGINT) AS unit_id, funding = 'full' AS public, line "
        "FROM rf WHERE problem IS NULL AND category IN ('编外', '编外人员')"
    )
    con.execute(
        "CREATE OR REPLACE TABLE secd AS SELECT id, host_key, host_name, "
        "s_start AS start_d, s_end AS end_d FROM rf WHERE problem IS NULL "
        f"AND host_key IS NOT NULL AND coalesce(s_start, DATE '{last}') <= DATE '{last}' "
        f"AND coalesce(s_end, DATE '{month}') >= DATE '{month}'"
    )
    con.execute(
        "CREATE OR REPLACE TABLE units AS SELECT m_unit_key AS unit_key, "
        "CAST(NULL AS BIGINT) AS unit_id, min(m_unit_name) AS unit_name, "
        "min(m_uscc) AS uscc, min(m_unit_n) AS unit_n FROM ru "
        "WHERE m_unit_n IS NOT NULL GROUP BY m_unit_key"
    )
    con.execute(
        "CREATE OR REPLACE TABLE accts AS SELECT account_key, any_value(unit_key) AS unit_key, "
        "any_value(category) AS category, any_value(funding) AS funding, "
        "bool_or(tongfa) AS tongfa, max(approved) AS approved FROM roster GROUP BY account_key"
    )
    staged.invalid = con.execute(
        "SELECT count(*) FROM rf WHERE problem IS NOT NULL"
    ).fetchone()[0]
    con.execute("DROP TABLE rf")  # every row now lives in roster/offq/secd: free it
    return staged

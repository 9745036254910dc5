"""The roster from the database "as of the month", into the same DuckDB
tables as readers/roster_file.py (see there for the columns).

- roster: postings in force on any day of the month (half-open periods:
  start_date <= last day and (end_date is null or end_date > first day)), so
  a transfer within the month gives the person two rows, old and new unit;
- offq: off-quota staff in force on any day of the month;
- secd: secondments whose approved period (ended early: ended_on) overlaps
  the month;
- accts: every unit account with its approved count as of the month's last
  day (sum of ledger entries effective by then);
- units: every unit (id, name, credit code) to recognise the units named in
  external files.

Columns are pulled with a raw cursor in batches of 20,000 and handed to
DuckDB through a temporary UTF-8 CSV (no ORM objects, no pandas). The base
retirement date is computed in SQL; people with recorded retirement
exceptions (few) are recomputed with roster.retirement.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.db import connection

from bianzhi.orgs.models import Unit
from bianzhi.quota.models import QuotaAccount, QuotaEntry
from bianzhi.roster import retirement
from bianzhi.roster.models import (
    OffQuotaStaff,
    Person,
    Posting,
    RetirementException,
    Secondment,
)

BATCH = 20000


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _dump(sql: str, params: list, path: Path, header: list[str]) -> int:
    count = 0
    with (
        connection.cursor() as cursor,
        path.open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out)
        writer.writerow(header)
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BATCH):
            writer.writerows(rows)
            count += len(rows)
    return count


def _load(con, table: str, path: Path, types: dict[str, str]) -> None:
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv('{path}', "
        f"header=true, columns={columns}, quote='\"', escape='\"', nullstr='')"
    )


def load_roster_db(
    con, *, month: dt.date, last: dt.date, tongfa: tuple[str, ...], workdir: Path
) -> int:
    """Fill roster/offq/secd/accts/units for the month; returns persons count."""
    first, after = month, last + dt.timedelta(days=1)
    posting, person, unit = _t(Posting), _t(Person), _t(Unit)
    account = _t(QuotaAccount)
    path = workdir / "db_roster.csv"
    _dump(
        f"SELECT pe.id_number, pe.name, pe.gender, pe.certified_birth_date, "
        f"pe.identity, pe.post_type, po.unit_id, u.name, u.uscc, a.category_id, "
        f"a.funding, po.start_date, po.end_date, po.account_id, pe.id "
        f"FROM {posting} po JOIN {person} pe ON pe.id = po.person_id "
        f"JOIN {unit} u ON u.id = po.unit_id JOIN {account} a ON a.id = po.account_id "
        f"WHERE po.start_date <= %s AND (po.end_date IS NULL OR po.end_date > %s)",
        [last, first],
        path,
        [
            "id",
            "name_raw",
            "gender",
            "birth",
            "identity",
            "post_type",
            "unit_id",
            "unit_name",
            "uscc",
            "category",
            "funding",
            "start_d",
            "end_d",
            "account_id",
            "person_pk",
        ],
    )
    _load(
        con,
        "dbr",
        path,
        {
            "id": "VARCHAR",
            "name_raw": "VARCHAR",
            "gender": "VARCHAR",
            "birth": "DATE",
            "identity": "VARCHAR",
            "post_type": "VARCHAR",
            "unit_id": "BIGINT",
            "unit_name": "VARCHAR",
            "uscc": "VARCHAR",
            "category": "VARCHAR",
            "funding": "VARCHAR",
            "start_d": "DATE",
            "end_d": "DATE",
            "account_id": "BIGINT",
            "person_pk": "BIGINT",
        },
    )
    funding_list = ", ".join(f"'{f}'" for f in tongfa)
    con.execute(
        "CREATE OR REPLACE TABLE roster AS SELECT id, name_raw, name_norm(name_raw) AS name_n, "
        "'U' || unit_id AS unit_key, unit_name, unit_id, uscc_norm(uscc) AS uscc, "
        "'A' || account_id AS account_key, category, funding, "
        f"funding IN ({funding_list}) AS tongfa, start_d, end_d, "
        f"(start_d <= DATE '{last}' AND (end_d IS NULL OR end_d > DATE '{last}')) AS at_end, "
        "retire_date(gender, identity, post_type, birth) AS retire_d, "
        "CAST(NULL AS DATE) AS entered_d, CAST(NULL AS BIGINT) AS line, "
        "CAST(NULL AS INTEGER) AS approved, person_pk FROM dbr"
    )
    _apply_exceptions(con, last)
    count = con.execute("SELECT count(DISTINCT id) FROM roster").fetchone()[0]

    path = workdir / "db_offq.csv"
    _dump(
        f"SELECT o.id_number, o.name, o.unit_id, u.name, o.funding_source "
        f"FROM {_t(OffQuotaStaff)} o JOIN {unit} u ON u.id = o.unit_id "
        f"WHERE o.start_date <= %s AND (o.end_date IS NULL OR o.end_date > %s)",
        [last, first],
        path,
        ["id", "name_raw", "unit_id", "unit_name", "funding_source"],
    )
    _load(
        con,
        "dbo",
        path,
        {
            "id": "VARCHAR",
            "name_raw": "VARCHAR",
            "unit_id": "BIGINT",
            "unit_name": "VARCHAR",
            "funding_source": "VARCHAR",
        },
    )
    con.execute(
        "CREATE OR REPLACE TABLE offq AS SELECT id, name_raw, name_norm(name_raw) AS name_n, "
        "'U' || unit_id AS unit_key, unit_name, unit_id, funding_source = 'public' AS public, "
        "CAST(NULL AS BIGINT) AS line FROM dbo"
    )

    path = workdir / "db_secd.csv"
    _dump(
        f"SELECT pe.id_number, s.host_unit_id, u.name, s.start_date, "
        f"COALESCE(s.ended_on, s.end_date) FROM {_t(Secondment)} s "
        f"JOIN {person} pe ON pe.id = s.person_id JOIN {unit} u ON u.id = s.host_unit_id "
        f"WHERE s.start_date <= %s AND COALESCE(s.ended_on, s.end_date) >= %s",
        [last, first],
        path,
        ["id", "host_id", "host_name", "start_d", "end_d"],
    )
    _load(
        con,
        "dbs",
        path,
        {
            "id": "VARCHAR",
            "host_id": "BIGINT",
            "host_name": "VARCHAR",
            "start_d": "DATE",
            "end_d": "DATE",
        },
    )
    con.execute(
        "CREATE OR REPLACE TABLE secd AS SELECT id, 'U' || host_id AS host_key, "
        "host_name, start_d, end_d FROM dbs"
    )

    path = workdir / "db_accts.csv"
    _dump(
        f"SELECT a.id, a.unit_id, a.category_id, a.funding, "
        f"COALESCE((SELECT SUM(e.amount) FROM {_t(QuotaEntry)} e "
        f"WHERE e.account_id = a.id AND e.effective_date < %s), 0) "
        f"FROM {account} a WHERE a.holder_kind = 'unit'",
        [after],
        path,
        ["account_id", "unit_id", "category", "funding", "approved"],
    )
    _load(
        con,
        "dba",
        path,
        {
            "account_id": "BIGINT",
            "unit_id": "BIGINT",
            "category": "VARCHAR",
            "funding": "VARCHAR",
            "approved": "INTEGER",
        },
    )
    con.execute(
        "CREATE OR REPLACE TABLE accts AS SELECT 'A' || account_id AS account_key, "
        "'U' || unit_id AS unit_key, category, funding, "
        f"funding IN ({funding_list}) AS tongfa, approved FROM dba"
    )

    path = workdir / "db_units.csv"
    _dump(
        f"SELECT id, name, uscc FROM {unit}",
        [],
        path,
        ["unit_id", "unit_name", "uscc"],
    )
    _load(
        con,
        "dbu",
        path,
        {"unit_id": "BIGINT", "unit_name": "VARCHAR", "uscc": "VARCHAR"},
    )
    con.execute(
        "CREATE OR REPLACE TABLE units AS SELECT 'U' || unit_id AS unit_key, unit_id, "
        "unit_name, uscc_norm(uscc) AS uscc, unit_norm(unit_name) AS unit_n FROM dbu"
    )
    # IDs in the database were validated when recorded (DOMAIN §3.4).
    con.execute(
        "CREATE OR REPLACE TABLE known_ids AS SELECT id FROM roster UNION SELECT id FROM offq"
    )
    return count


def _apply_exceptions(con, last: dt.date) -> None:
    """Recompute the retirement date of people with recorded exceptions."""
    by_person: dict[int, list] = {}
    for e in RetirementException.objects.values_list(
        "person_id", "kind", "months", "effective_from", "ended_on"
    ).iterator():
        by_person.setdefault(e[0], []).append(
            retirement.Adjustment(
                kind=e[1], months=e[2], effective_from=e[3], ended_on=e[4]
            )
        )
    if not by_person:
        return
    people = con.execute(
        "SELECT DISTINCT person_pk, gender, identity, post_type, birth FROM dbr "
        "WHERE person_pk IN (SELECT unnest($1))",
        [list(by_person)],
    ).fetchall()
    pks, dates = [], []
    for pk, gender, identity, post_type, birth in people:
        try:
            day = retirement.retirement_date(
                birth, gender, identity, post_type or "", by_person[pk], as_of=last
            )
        except Exception:  # an incomplete record keeps the base date
            continue
        pks.append(pk)
        dates.append(day)
    if pks:
        con.execute("CREATE OR REPLACE TEMP TABLE _ret (pk BIGINT, d DATE)")
        con.execute("INSERT INTO _ret SELECT unnest($1), unnest($2)", [pks, dates])
        con.execute(
            "UPDATE roster SET retire_d = _ret.d FROM _ret WHERE roster.person_pk = _ret.pk"
        )

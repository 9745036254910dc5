"""Enrollment benchmark.

1. Enrollments per second through the service (person_enroll: person rules,
   locks, conditional UPDATE, person + posting rows, keyed audit event)
   against raw SQL doing the same writes (conditional UPDATE of the account,
   INSERT person, INSERT posting, audit row chained to the locked head) at the
   same concurrency on the same database.
2. The bulk path (roster.bulk.bulk_enroll) in rows per second for
   BENCH_BULK_N people, against raw executemany INSERTs of persons, postings
   and audit rows plus one UPDATE per account.

Usage:
    .venv/bin/python bench/enroll.py        # SQLite temp file (+ PostgreSQL when
                                            # BENCH_DATABASE_URL is set)
    BENCH_N=2000 BENCH_THREADS=8 BENCH_BULK_N=20000 .venv/bin/python bench/enroll.py

Each database runs in a child process on a fresh database (bench/ledger.py's
harness: ours and the baseline in interleaved halves — ours, base, base, ours —
the baseline's audit rows removed again after each of its runs, untimed, so the
service's chain is verified at the end). Last lines: `BENCH enroll_<vendor> ours=.. base=.. ratio=..` and
`BENCH bulk_enroll_<vendor> ours=<rows/s> base=<rows/s> ratio=..`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ledger as harness  # noqa: E402  (bench/ledger.py: child processes, threads)

BULK_N = int(os.environ.get("BENCH_BULK_N", "200000"))
DOC = harness.DOC
LOAD = "初始化导入"
_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def make_id(serial: int, block: int) -> str:
    """A distinct valid ID per (block, serial): birth date and sequence vary."""
    birth = dt.date(1975, 1, 1) + dt.timedelta(days=serial % 7000)
    seq = f"{(serial // 7000) % 500 * 2 + 1:03d}"  # odd: men, retiring at 60+
    region = f"{110101 + block}"
    body = f"{region}{birth:%Y%m%d}{seq}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def person(serial: int, block: int) -> dict:
    id_number = make_id(serial, block)
    return {
        "id_number": id_number,
        "name": f"职工{serial}",
        "ethnicity": "汉族",
        "political_status": "中共党员",
        "education": "大学本科",
        "identity": "公务员",
        "work_start_date": "2000-07-01",
    }


# --- enrollments per second --------------------------------------------------------


def _serial(index: int, segment: int, i: int) -> int:
    """A distinct person per thread, half and call."""
    return index * 100_000 + segment * 20_000 + i


def ours(actor, units, today):
    """One half of the service's runs: segment → (seconds, refused)."""
    from bianzhi.core.errors import ApplicationError
    from bianzhi.roster.services import person_enroll

    def worker(index: int, count: int, segment: int) -> int:
        rng, refused = random.Random(index * 10 + segment), 0
        for i in range(count):
            try:
                person_enroll(
                    actor=actor,
                    unit=rng.choice(units),
                    category="administrative",
                    funding="full",
                    person=person(_serial(index, segment, i), 0),
                    channel="考录",
                    start_date=today,
                    doc_no=DOC,
                    today=today,
                )
            except ApplicationError:
                refused += 1
        return refused

    return lambda segment: harness.timed(
        lambda index, count: worker(index, count, segment), harness.N // 2
    )


PERSON_SQL = (
    "INSERT INTO roster_person (id_number, name, name_pinyin_initials, gender,"
    " birth_date, certified_birth_date, certified_basis, ethnicity, political_status,"
    " education, degree, major, identity, position_title, rank, post_type,"
    " work_start_date, phone, remarks, created_at, updated_at) VALUES"
    " (%s, %s, '', %s, %s, %s, '', '01', '01', '大学本科', '', '', 'civil_servant',"
    " '', '', '', %s, '', '', %s, %s)"
)
POSTING_SQL = (
    "INSERT INTO roster_posting (person_id, account_id, unit_id, start_date,"
    " end_date, move_kind, channel, permit_ref, doc_no, approval_ref,"
    " intake_resource, entered_unit_on, previous_id, ended_by, end_reason,"
    " end_doc_no, end_proof, end_filed_on, flagged_past_retirement, late_release,"
    " recorded_at) VALUES (%s, %s, %s, %s, NULL, %s, %s, '', %s, '', 'vacancy', %s,"
    " NULL, '', '', '', '', NULL, %s, %s, %s)"
)
EVENT_SQL = (
    "INSERT INTO core_auditevent (seq, occurred_at, actor_id, actor_name, role,"
    " scope, operation, doc_no, client_addr, batch_id, summary, records,"
    " hash_alg, prev_hash, hash) VALUES (%s, %s, 1, '基准', 'office_admin', '',"
    " 'person_enroll', %s, '', %s, '', {json}, 'hmac-sha256', %s, %s)"
)


def _person_params(id_number: str, now) -> list:
    birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    gender = "M" if int(id_number[16]) % 2 else "F"
    return [id_number, "职工", gender, birth, birth, dt.date(2000, 7, 1), now, now]


def base(accounts, today):
    """accounts: [(account_id, unit_id)]."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bianzhi.core.keys import audit_key

    key = audit_key()
    pg = connection.vendor == "postgresql"
    lock = " FOR UPDATE" if pg else ""
    event_sql = EVENT_SQL.format(json="CAST(%s AS jsonb)" if pg else "%s")
    false = False

    def one(cursor, account_id: int, unit_id: int, id_number: str) -> bool:
        cursor.execute(
            "UPDATE quota_quotaaccount SET occupied = occupied + 1 "
            "WHERE id = %s AND approved - occupied - reserved >= 1",
            [account_id],
        )
        if cursor.rowcount != 1:
            return False
        now = timezone.now()
        cursor.execute(PERSON_SQL + " RETURNING id", _person_params(id_number, now))
        person_id = cursor.fetchone()[0]
        cursor.execute(
            POSTING_SQL + " RETURNING id",
            [
                person_id,
                account_id,
                unit_id,
                today,
                "enroll",
                "exam_recruitment",
                DOC,
                today,
                false,
                false,
                now,
            ],
        )
        posting_id = cursor.fetchone()[0]
        cursor.execute(f"SELECT seq, hash FROM core_audithead WHERE id = 1{lock}")
        seq, prev = cursor.fetchone()
        records = json.dumps(
            {"person": person_id, "posting": posting_id, "account": account_id},
            sort_keys=True,
        )
        digest = hmac.new(
            key, prev.encode() + b"|" + records.encode(), hashlib.sha256
        ).hexdigest()
        cursor.execute(event_sql, [seq + 1, now, DOC, "", records, prev, digest])
        cursor.execute(
            "UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1",
            [seq + 1, digest],
        )
        return True

    def worker(index: int, count: int, segment: int) -> int:
        rng, refused = random.Random(index * 10 + segment), 0
        for i in range(count):
            account_id, unit_id = rng.choice(accounts)
            with transaction.atomic(), connection.cursor() as cursor:
                if not one(
                    cursor, account_id, unit_id, make_id(_serial(index, segment, i), 1)
                ):
                    refused += 1
                    transaction.set_rollback(True)
        return refused

    return lambda segment: harness.timed(
        lambda index, count: worker(index, count, segment), harness.N // 2
    )


# --- the bulk path --------------------------------------------------------------------


def bulk_ours(actor, units, today, n: int) -> float:
    from bianzhi.roster.bulk import bulk_enroll

    rows = [
        {
            "unit": units[i % len(units)].pk,
            "category": "administrative",
            "funding": "full",
            "person": person(i, 2),
        }
        for i in range(n)
    ]
    start = time.perf_counter()
    result = bulk_enroll(
        actor=actor, rows=rows, start_date=today, doc_no=LOAD, today=today
    )
    elapsed = time.perf_counter() - start
    assert len(result.accepted) == n, result.refused[:3]
    return elapsed


def bulk_base(accounts, today, n: int) -> float:
    """Raw executemany: persons, postings, audit rows; one UPDATE per account."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bianzhi.core.keys import audit_key

    key = audit_key()
    pg = connection.vendor == "postgresql"
    event_sql = EVENT_SQL.format(json="CAST(%s AS jsonb)" if pg else "%s")
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        now = timezone.now()
        ids = [make_id(i, 3) for i in range(n)]
        cursor.executemany(PERSON_SQL, [_person_params(i, now) for i in ids])
        cursor.execute(
            "SELECT id_number, id FROM roster_person WHERE id_number LIKE '110104%%'"
        )
        person_ids = dict(cursor.fetchall())
        per_account: dict[int, int] = {}
        posting_rows = []
        for i, id_number in enumerate(ids):
            account_id, unit_id = accounts[i % len(accounts)]
            per_account[account_id] = per_account.get(account_id, 0) + 1
            posting_rows.append(
                [
                    person_ids[id_number],
                    account_id,
                    unit_id,
                    today,
                    "initial_load",
                    "initial_load",
                    LOAD,
                    today,
                    False,
                    False,
                    now,
                ]
            )
        cursor.executemany(POSTING_SQL, posting_rows)
        for account_id, k in per_account.items():
            cursor.execute(
                "UPDATE quota_quotaaccount SET occupied = occupied + %s "
                "WHERE id = %s AND approved - occupied - reserved >= %s",
                [k, account_id, k],
            )
            assert cursor.rowcount == 1
        lock = " FOR UPDATE" if pg else ""
        cursor.execute(f"SELECT seq, hash FROM core_audithead WHERE id = 1{lock}")
        seq, prev = cursor.fetchone()
        events = []
        for id_number in ids:
            seq += 1
            records = json.dumps({"person": person_ids[id_number]}, sort_keys=True)
            digest = hmac.new(
                key, prev.encode() + b"|" + records.encode(), hashlib.sha256
            ).hexdigest()
            events.append([seq, now, LOAD, "bench", records, prev, digest])
            prev = digest
        cursor.executemany(event_sql, events)
        cursor.execute(
            "UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1", [seq, prev]
        )
    return time.perf_counter() - start


def run_bench() -> None:
    from django.core.management import call_command
    from django.db import connection

    from bianzhi.core import audit
    from bianzhi.quota.models import QuotaAccount
    from bianzhi.roster import checks

    call_command("migrate", verbosity=0, interactive=False)
    vendor = connection.vendor
    actor, _city, units, today = harness.setup_ledger()
    accounts = list(
        QuotaAccount.objects.filter(unit__in=units).values_list("id", "unit_id")
    )
    connection.close()
    n, threads = harness.N, harness.THREADS
    print(f"[{vendor}] {n} enrollments each, {threads} threads, {len(units)} units")
    ours_s, ours_refused, base_s, base_refused = harness.interleaved(
        ours(actor, units, today), base(accounts, today)
    )
    print(
        f"[{vendor}] ours: {n} in {ours_s:.2f}s = {n / ours_s:.0f}/s "
        f"(refused {ours_refused}); base: {n} in {base_s:.2f}s = {n / base_s:.0f}/s "
        f"(refused {base_refused})"
    )
    ours_rate, base_rate = n / ours_s, n / base_s
    enroll_line = (
        f"BENCH enroll_{vendor} ours={ours_rate:.0f} base={base_rate:.0f} "
        f"ratio={ours_rate / base_rate:.2f}"
    )
    bulk_s = bulk_ours(actor, units, today, BULK_N)
    print(f"[{vendor}] bulk ours: {BULK_N} in {bulk_s:.2f}s = {BULK_N / bulk_s:.0f}/s")
    mark = harness.audit_mark()
    bulk_base_s = bulk_base(accounts, today, BULK_N)
    harness.audit_restore(mark)
    print(f"[{vendor}] bulk base: {BULK_N} in {bulk_base_s:.2f}s")
    print(
        f"[{vendor}] after all: roster check problems "
        f"{len(checks.problems(today=today))}; chain ok: {audit.verify_chain().ok}"
    )
    ours_bulk, base_bulk = BULK_N / bulk_s, BULK_N / bulk_base_s
    print(enroll_line)
    print(
        f"BENCH bulk_enroll_{vendor} ours={ours_bulk:.0f} base={base_bulk:.0f} "
        f"ratio={ours_bulk / base_bulk:.2f}"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        harness.run_bench = run_bench
        harness.child(sys.argv[2])
        return
    tmp = tempfile.mkdtemp(prefix="bianzhi-bench-")
    urls = [f"sqlite:///{tmp}/bench.sqlite3"]
    pg = os.environ.get("BENCH_DATABASE_URL", "")
    if pg.startswith(("postgres://", "postgresql://")):
        urls.append(pg)
    lines: list[str] = []
    try:
        _run_children(urls, lines)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for line in lines:
        print(line)


def _run_children(urls: list[str], lines: list[str]) -> None:
    import subprocess

    for url in urls:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", url],
            capture_output=True,
            text=True,
            cwd=harness.ROOT,
        )
        for line in proc.stdout.splitlines():
            (lines.append if line.startswith("BENCH ") else print)(line)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            sys.exit(proc.returncode)


if __name__ == "__main__":
    main()

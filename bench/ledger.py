"""Ledger benchmark: quota movements per second through the service layer
(quota_transfer: rules, row locks, conditional UPDATEs, entries, keyed audit
event) against raw SQL doing the same writes at the same concurrency.

The raw baseline per movement: two conditional UPDATEs in account-id order,
one movement row, two entry rows, and one audit row with an HMAC chained to
the locked audit head — the minimum any correct implementation has to write.

Usage:
    .venv/bin/python bench/ledger.py            # SQLite temp file (+ PostgreSQL
                                                # when BENCH_DATABASE_URL or a
                                                # postgres DATABASE_URL is set)
    BENCH_N=4000 BENCH_THREADS=8 .venv/bin/python bench/ledger.py

Each database runs in its own child process on a fresh database (a temp
SQLite file; on PostgreSQL a new database created next to the given one and
dropped afterwards). The last line is `BENCH ledger_<vendor> ours=.. base=.. ratio=..`.

Ours and the baseline run in interleaved halves (ours, base, base, ours), so a
change of machine load during the run weighs on both alike; each rate is the
total count over the total time of its two halves. The baseline's audit rows
carry its own hashed form, so after each baseline half (outside the timing)
they are removed and the head put back: the service's chain stays whole and
is verified at the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("BENCH_N", "2000"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
UNITS = 8
DOC = "示编〔2026〕1号"


# --- parent: one child process per database -----------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    urls = []
    tmp = tempfile.mkdtemp(prefix="bianzhi-bench-")
    urls.append(f"sqlite:///{tmp}/bench.sqlite3")
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if pg.startswith(("postgres://", "postgresql://")):
        urls.append(pg)
    bench_lines = []
    try:
        _run_children(urls, bench_lines)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for line in bench_lines:
        print(line)


def _run_children(urls: list[str], bench_lines: list[str]) -> None:
    for url in urls:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", url],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        for line in proc.stdout.splitlines():
            if line.startswith("BENCH "):
                bench_lines.append(line)
            else:
                print(line)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            sys.exit(proc.returncode)


# --- child: one database ------------------------------------------------------


def child(url: str) -> None:
    created_pg = None
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        created_pg = f"bianzhi_bench_{os.getpid()}"
        with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{created_pg}"')
        url = _with_database(url, created_pg)
    keys = tempfile.mkdtemp(prefix="bianzhi-bench-keys-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=url,
        BIANZHI_VAR_DIR=keys,
        BIANZHI_KEY_DIR=keys,
        BIANZHI_AUDIT_KEY=secrets.token_hex(32),
        BIANZHI_DEBUG="0",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        run_bench()
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(keys, ignore_errors=True)
        if created_pg:
            import psycopg

            admin = _with_database(url, "postgres")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{created_pg}" WITH (FORCE)')


def setup_ledger():
    from bianzhi.core.actor import Actor
    from bianzhi.orgs import services as orgs
    from bianzhi.quota import services as quota

    actor = Actor(user_id=1, name="基准", role="office_admin", scope="region:990100")
    today = dt.date.today()
    city = orgs.region_create_local(
        actor=actor, code="990100", name="示例市", level="city"
    )
    units = [
        orgs.unit_establish(
            actor=actor,
            region=city,
            name=f"示例市第{i}局",
            kind="gov_dept",
            rank="division",
            doc_no=DOC,
            effective_date=today,
            today=today,
        )
        for i in range(UNITS)
    ]
    common = dict(actor=actor, doc_no=DOC, effective_date=today, today=today)
    quota.quota_increase_total(
        region=city,
        category="administrative",
        funding="full",
        amount=UNITS * 1_000_000,
        **common,
    )
    for unit in units:
        quota.quota_grant(
            unit=unit,
            category="administrative",
            funding="full",
            amount=1_000_000,
            **common,
        )
    return actor, city, units, today


def timed(worker, n: int = 0) -> tuple[float, int]:
    """Run `worker(index, count)` in THREADS threads, n (default N) calls in
    all; (seconds, refused)."""
    from django.db import connection

    per_thread = (n or N) // THREADS
    barrier = threading.Barrier(THREADS + 1)
    refused = [0] * THREADS
    failures: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait()
            refused[index] = worker(index, per_thread)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise failures[0]
    return elapsed, sum(refused)


def interleaved(ours_half, base_half) -> tuple[float, int, float, int]:
    """ours, base, base, ours — each `half(segment)` returns (seconds, refused).

    After each baseline half its audit rows are taken out again (untimed)."""
    results = {"ours": [0.0, 0], "base": [0.0, 0]}
    for segment, (name, half) in enumerate(
        [
            ("ours", ours_half),
            ("base", base_half),
            ("base", base_half),
            ("ours", ours_half),
        ]
    ):
        mark = audit_mark() if name == "base" else None
        seconds, refused = half(segment)
        if mark is not None:
            audit_restore(mark)
        results[name][0] += seconds
        results[name][1] += refused
        print(f"  half {segment + 1} {name}: {seconds:.2f}s")
    return (*results["ours"], *results["base"])


def audit_mark() -> tuple[int, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM core_audithead WHERE id = 1")
        row = cursor.fetchone()
    connection.close()
    return row


def audit_restore(mark: tuple[int, str]) -> None:
    """Remove the baseline's audit rows (not chained by the service's rules)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq > %s", [mark[0]])
        cursor.execute(
            "UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1", list(mark)
        )
    connection.close()


def ours(actor, units, today):
    """One half of the service's runs: segment → (seconds, refused)."""
    from bianzhi.core.errors import ApplicationError
    from bianzhi.quota.services import quota_transfer

    def worker(index: int, count: int) -> int:
        rng, refused = random.Random(index), 0
        for _ in range(count):
            source, target = rng.sample(units, 2)
            try:
                quota_transfer(
                    actor=actor,
                    source_unit=source,
                    target_unit=target,
                    category="administrative",
                    funding="full",
                    amount=1,
                    doc_no=DOC,
                    effective_date=today,
                    today=today,
                )
            except ApplicationError:
                refused += 1
        return refused

    return lambda segment: timed(worker, N // 2)


def base(city, account_ids, today):
    from django.db import connection, transaction
    from django.utils import timezone

    from bianzhi.core.keys import audit_key

    key = audit_key()
    pg = connection.vendor == "postgresql"
    lock = " FOR UPDATE" if pg else ""
    as_json = "CAST(%s AS jsonb)" if pg else "%s"

    def one(cursor, source: int, target: int) -> bool:
        legs = sorted([(source, -1), (target, 1)])
        for account_id, amount in legs:
            if amount < 0:
                cursor.execute(
                    "UPDATE quota_quotaaccount SET approved = approved - %s "
                    "WHERE id = %s AND approved - occupied - reserved >= %s",
                    [-amount, account_id, -amount],
                )
                if cursor.rowcount != 1:
                    return False
            else:
                cursor.execute(
                    "UPDATE quota_quotaaccount SET approved = approved + %s WHERE id = %s",
                    [amount, account_id],
                )
        now = timezone.now()
        legs_json = json.dumps([{"account": a, "amount": n} for a, n in legs])
        cursor.execute(
            "INSERT INTO quota_quotamovement (region_id, kind, doc_no, effective_date,"
            " recorded_at, actor_id, actor_name, approval_ref, reason, reform, status,"
            " flag_reason, legs, note) VALUES (%s, 'transfer', %s, %s, %s, 1, '基准', '',"
            f" '', %s, 'applied', '', {as_json}, '') RETURNING id",
            [city.pk, DOC, today, now, False, legs_json],
        )
        movement_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO quota_quotaentry (movement_id, account_id, amount, effective_date)"
            " VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)",
            [
                movement_id,
                legs[0][0],
                legs[0][1],
                today,
                movement_id,
                legs[1][0],
                legs[1][1],
                today,
            ],
        )
        cursor.execute(f"SELECT seq, hash FROM core_audithead WHERE id = 1{lock}")
        seq, prev = cursor.fetchone()
        records = json.dumps(
            {"movement": movement_id, "legs": legs}, sort_keys=True, ensure_ascii=False
        )
        digest = hmac.new(
            key, prev.encode() + b"|" + records.encode(), hashlib.sha256
        ).hexdigest()
        cursor.execute(
            "INSERT INTO core_auditevent (seq, occurred_at, actor_id, actor_name, role,"
            " scope, operation, doc_no, client_addr, batch_id, summary, records,"
            " hash_alg, prev_hash, hash) VALUES (%s, %s, 1, '基准', 'office_admin', '',"
            f" 'quota_transfer', %s, '', '', '', {as_json}, 'hmac-sha256', %s, %s)",
            [seq + 1, now, DOC, records, prev, digest],
        )
        cursor.execute(
            "UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1",
            [seq + 1, digest],
        )
        return True

    def worker(index: int, count: int) -> int:
        rng, refused = random.Random(index), 0
        for _ in range(count):
            source, target = rng.sample(account_ids, 2)
            with transaction.atomic(), connection.cursor() as cursor:
                if not one(cursor, source, target):
                    refused += 1
                    transaction.set_rollback(True)
        return refused

    return lambda segment: timed(worker, N // 2)


def run_bench() -> None:
    from django.core.management import call_command
    from django.db import connection

    from bianzhi.core import audit
    from bianzhi.quota import checks
    from bianzhi.quota.models import QuotaAccount

    call_command("migrate", verbosity=0, interactive=False)
    vendor = connection.vendor
    actor, city, units, today = setup_ledger()
    account_ids = list(
        QuotaAccount.objects.filter(unit__in=units).values_list("id", flat=True)
    )
    connection.close()
    print(f"[{vendor}] {N} transfers each, {THREADS} threads, {UNITS} units")
    ours_s, ours_refused, base_s, base_refused = interleaved(
        ours(actor, units, today), base(city, account_ids, today)
    )
    problems = checks.problems(today=today)
    print(
        f"[{vendor}] ours: {N} in {ours_s:.2f}s = {N / ours_s:.0f}/s "
        f"(refused {ours_refused}); check problems after all: {len(problems)}; "
        f"chain ok: {audit.verify_chain().ok}"
    )
    print(
        f"[{vendor}] base: {N} in {base_s:.2f}s = {N / base_s:.0f}/s "
        f"(refused {base_refused})"
    )
    ours_rate, base_rate = N / ours_s, N / base_s
    print(
        f"BENCH ledger_{vendor} ours={ours_rate:.0f} base={base_rate:.0f} "
        f"ratio={ours_rate / base_rate:.2f}"
    )


if __name__ == "__main__":
    main()

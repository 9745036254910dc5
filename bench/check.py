"""`bianzhi check` on a city of BENCH_CHECK_N persons (default 200,000).

The city (BENCH_CHECK_UNITS units, administrative quota) is loaded with the
bulk path (roster.bulk.bulk_enroll), then `call_command("bianzhi_check")` is
timed against a baseline of the plain SQL aggregates the check needs: active
postings per account, entries summed per account, and the account counters.

Usage:
    .venv/bin/python bench/check.py          # SQLite temp file (+ PostgreSQL
                                             # when BENCH_DATABASE_URL is set)
    BENCH_CHECK_N=20000 .venv/bin/python bench/check.py

Last line per database: `BENCH check_<vendor> ours=<s> base=<s> ratio=<base/ours>`.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import enroll  # noqa: E402  (bench/enroll.py: IDs, person rows, child runner)
import ledger as harness  # noqa: E402

N = int(os.environ.get("BENCH_CHECK_N", "200000"))
UNITS = int(os.environ.get("BENCH_CHECK_UNITS", "200"))
DOC = harness.DOC


def build_city():
    import datetime as dt

    from bianzhi.core.actor import Actor
    from bianzhi.orgs import services as orgs
    from bianzhi.quota import services as quota
    from bianzhi.roster.bulk import bulk_enroll

    actor = Actor(user_id=1, name="基准", role="office_admin", scope="region:990100")
    today = dt.date.today()
    city = orgs.region_create_local(
        actor=actor, code="990100", name="示例市", level="city"
    )
    per_unit = N // UNITS + 5
    common = dict(actor=actor, doc_no=DOC, effective_date=today, today=today)
    quota.quota_increase_total(
        region=city,
        category="administrative",
        funding="full",
        amount=UNITS * per_unit,
        **common,
    )
    units = []
    for i in range(UNITS):
        unit = orgs.unit_establish(
            actor=actor,
            region=city,
            name=f"示例市第{i}局",
            kind="gov_dept",
            rank="division",
            doc_no=DOC,
            effective_date=today,
            today=today,
        )
        quota.quota_grant(
            unit=unit,
            category="administrative",
            funding="full",
            amount=per_unit,
            **common,
        )
        units.append(unit)
    rows = [
        {
            "unit": units[i % UNITS].pk,
            "category": "administrative",
            "funding": "full",
            "person": enroll.person(i, 0),
        }
        for i in range(N)
    ]
    start = time.perf_counter()
    result = bulk_enroll(
        actor=actor, rows=rows, start_date=today, doc_no="初始化导入", today=today
    )
    assert len(result.accepted) == N, result.refused[:3]
    return time.perf_counter() - start


def _cpu() -> float:
    import resource

    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def baseline() -> float:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_id, count(*) FROM roster_posting "
            "WHERE end_date IS NULL GROUP BY account_id"
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT account_id, sum(amount) FROM quota_quotaentry GROUP BY account_id"
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT id, approved, occupied, reserved FROM quota_quotaaccount"
        )
        cursor.fetchall()
    return time.perf_counter() - start


def breakdown() -> str:
    """Where `bianzhi check` spends its time: the audit chain and each domain."""
    from bianzhi.core import audit
    from bianzhi.ops.management.commands.bianzhi_check import DOMAIN_CHECKS

    parts = [("audit.verify_chain", audit.verify_chain)]
    parts += [(f"{fn.__module__}.problems", fn) for fn in DOMAIN_CHECKS]
    out = []
    for name, fn in parts:
        start = time.perf_counter()
        fn()
        out.append(f"{name}={time.perf_counter() - start:.2f}s")
    return ", ".join(out)


def run_bench() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    vendor = connection.vendor
    load_s = build_city()
    print(f"[{vendor}] city of {N} persons in {UNITS} units loaded in {load_s:.1f}s")
    out = io.StringIO()
    before = _cpu()
    start = time.perf_counter()
    try:
        call_command("bianzhi_check", stdout=out, stderr=out)
    except SystemExit:  # a non-zero exit means problems were found
        pass
    ours = time.perf_counter() - start
    cpu = _cpu() - before
    tail = out.getvalue().strip().splitlines()[-3:]
    # CPU time (this process and the chain's workers) shows the work done
    # whatever the machine's load; the BENCH line is wall-clock time.
    print(
        f"[{vendor}] bianzhi check: {ours:.2f}s wall, {cpu:.2f}s CPU "
        f"(load {os.getloadavg()[0]:.1f}); output tail: {tail}"
    )
    print(f"[{vendor}] breakdown: {breakdown()}")
    base = min(baseline() for _ in range(3))
    print(f"[{vendor}] SQL aggregates: {base:.3f}s")
    print(
        f"BENCH check_{vendor} ours={ours:.2f} base={base:.3f} ratio={base / ours:.3f}"
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
    enroll.__file__ = __file__  # the children run this script
    try:
        enroll._run_children(urls, lines)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()

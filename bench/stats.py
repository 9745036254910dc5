"""Statistics benchmark (issue 6 proof: every form ≤ 1 s, dashboard ≤ 300 ms
at 200,000 persons).

The city is the demo generator's (`bianzhi demo --persons N`, built once into
$BENCH_STATS_DIR through bench/search.py's ensure_database and reused
afterwards; ~6 min on SQLite). Every registered form (stats.base.all_forms())
is computed for the whole city at today and at a past date (two years back),
each the median of three runs; then the dashboard data when
bianzhi/stats/dashboard.py exists. Baseline, same database, same run: the one
hand-written aggregate every form starts from — postings in force on the date
counted per unit:

    SELECT unit_id, COUNT(*) FROM roster_posting
    WHERE start_date <= d AND (end_date IS NULL OR end_date > d) GROUP BY unit_id

Usage:
    .venv/bin/python bench/stats.py                    # SQLite file
    DATABASE_URL=postgres://... .venv/bin/python bench/stats.py
    BENCH_STATS_DIR=/tmp/x BENCH_PERSONS=20000 .venv/bin/python bench/stats.py

Last line: `BENCH stats ours=<slowest form s> base=<baseline s> ratio=<ours/base>`.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
os.environ["BENCH_SEARCH_DIR"] = os.environ.get(
    "BENCH_STATS_DIR", "/tmp/bianzhi-bench-stats"
)
sys.path.insert(0, str(ROOT))
import search  # noqa: E402  (bench/search.py: settings, build-once demo city)

RUNS = 3


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    seconds, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def baseline(day: dt.date) -> float:
    from django.db import connection

    sql = (
        "SELECT unit_id, COUNT(*) FROM roster_posting WHERE start_date <= %s "
        "AND (end_date IS NULL OR end_date > %s) GROUP BY unit_id"
    )

    def run() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, [day, day])
            return len(cursor.fetchall())

    return timed(run)[0]


def dashboard_timer(day: dt.date) -> Callable[[], object]:
    """The dashboard's data, cold: its short cache (stats/dashboard_cache.py)
    is emptied before each call, so the number is the computation's."""
    from django.core.cache import cache

    from bianzhi.stats.base import Selection
    from bianzhi.stats.dashboard import dashboard_data

    def cold() -> object:
        cache.clear()
        return dashboard_data(selection=Selection(as_of=day))

    return cold


def main() -> None:
    search.ensure_database()
    from django.db import connection
    from django.utils import timezone

    import bianzhi.stats.forms  # noqa: F401  (registers every form)
    from bianzhi.roster.models import Person
    from bianzhi.stats.base import Selection, all_forms
    from bianzhi.stats.yoy import compare

    vendor = connection.vendor
    today = timezone.localdate()
    past = today.replace(year=today.year - 2, day=min(today.day, 28))
    print(f"{vendor}: {Person.objects.count()} persons, today {today}, past {past}")
    base = max(baseline(today), baseline(past))
    print(f"baseline (postings per unit)     {base:7.3f} s")
    slowest = 0.0
    for form in all_forms():
        line, worst = [], 0.0
        for day in (today, past):
            seconds, result = timed(lambda f=form, d=day: f.compute(Selection(as_of=d)))
            worst = max(worst, seconds)
            line.append(f"{seconds:6.3f} s ({len(result.rows)} rows)")
        if form.yoy:
            seconds, _r = timed(lambda f=form: compare(f, Selection(as_of=today)))
            line.append(f"同比 {seconds:6.3f} s")
        slowest = max(slowest, worst)
        flag = "" if worst <= 1.0 else "  > 1 s"
        print(f"{form.number:>2} {form.name:<16} " + "  ".join(line) + flag)
    seconds, _r = timed(dashboard_timer(today))
    print(f"dashboard data (cold)            {seconds:7.3f} s (aim 0.300)")
    ratio = slowest / base if base else float("inf")
    print(f"BENCH stats ours={slowest:.3f} base={base:.3f} ratio={ratio:.1f}")


if __name__ == "__main__":
    main()

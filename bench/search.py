"""Roster search benchmark (issue 4 proof: p95 ≤ 200 ms at 200,000 persons).

100 varied searches (name, pinyin initials, ID number parts, unit, category,
identity, age band, education, rank, entry year, released people, an as-of
date, every sort, later pages) through the search page's view with
django.test.Client, logged in as the demo's city office: the time is the
whole server side of one request (middleware, scoping, the selector's
queries, the template). Baseline, same database, same run: each search as
the one plain SQL SELECT a developer would write by hand (the first page,
joined and sorted, no count).

Usage:
    .venv/bin/python bench/search.py
        # builds the 200,000-person demo city into $BENCH_SEARCH_DIR
        # (default /tmp/bianzhi-bench-search, ~6 min once; reused afterwards)
    BENCH_SEARCH_DIR=/tmp/x BENCH_PERSONS=200000 .venv/bin/python bench/search.py
    DATABASE_URL=postgres://... .venv/bin/python bench/search.py   # PostgreSQL
        # (the demo is loaded into that database when it has no persons)

Last lines: `median ours=.. base=..` / `p95 ...` and
`BENCH search ours=<p95 ms> base=<p95 ms> ratio=<ours/base>`.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("BENCH_SEARCH_DIR", "/tmp/bianzhi-bench-search"))
PERSONS = int(os.environ.get("BENCH_PERSONS", "200000"))
N_QUERIES = 100
SEED = 2026

os.environ["BIANZHI_VAR_DIR"] = str(VAR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ["BIANZHI_DEBUG"] = "0"  # production mode: no query log, cached templates
os.environ["BIANZHI_ALLOWED_HOSTS"] = "testserver,localhost"
sys.path.insert(0, str(ROOT))


def bianzhi(*args: str) -> None:
    command = [str(ROOT / ".venv" / "bin" / "bianzhi"), *args]
    subprocess.run(command, check=True, env=os.environ.copy())


def ensure_database() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    bianzhi("setup")
    import django

    django.setup()
    from bianzhi.roster.models import Person

    if not Person.objects.exists():
        print(f"building the demo city with {PERSONS} persons in {VAR} …", flush=True)
        started = time.perf_counter()
        bianzhi("demo", "--persons", str(PERSONS))
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


# --- the 100 searches -------------------------------------------------------------


def make_queries(rng: random.Random) -> list[dict]:
    from django.db.models import Count

    from bianzhi.orgs.models import Unit
    from bianzhi.roster.models import Person, Posting
    from bianzhi.roster.values import EDUCATION, RANK, Identity

    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picked = rng.sample(range(1, top + 1), min(400, top))
    people = list(
        Person.objects.filter(pk__in=picked)
        .order_by("pk")
        .values("name", "name_pinyin_initials", "id_number")
    )
    rng.shuffle(people)
    unit_ids = list(
        Posting.objects.filter(end_date__isnull=True)
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("unit_id", flat=True)[:60]
    )
    unit_names = list(
        Unit.objects.filter(pk__in=unit_ids).values_list("name", flat=True)
    )
    words = [
        "教育",
        "卫生",
        "医院",
        "学校",
        "中学",
        "财政",
        "公安",
        "街道",
        "中心",
        "局",
    ]
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    ranks = [v.code for v in RANK.values()]
    educations = [v.code for v in EDUCATION.values()]
    identities = list(Identity.values)
    bands = ["lt35", "35_45", "45_55", "ge55"]
    categories = ["administrative", "institutional", "logistics", "political_legal"]
    sorts = ["name", "name", "name", "unit", "birth", "-birth", "entry", "-entry", "id"]
    today = dt.date.today()

    def person() -> dict:
        return people.pop()

    makers = [
        lambda: {"name": person()["name"]},  # a full name
        lambda: {"name": rng.choice(surnames)},  # a surname: broad
        lambda: {"name": person()["name"][-1]},  # a given-name character
        lambda: {"initials": person()["name_pinyin_initials"][:3]},
        lambda: {"initials": person()["name_pinyin_initials"][:2]},
        lambda: {"q": person()["name_pinyin_initials"][:2]},
        lambda: {"id_number": person()["id_number"]},  # the full number
        lambda: {"id_number": person()["id_number"][-4:]},  # last 4
        lambda: {"id_number": person()["id_number"][-6:]},  # last 6 (or a prefix)
        lambda: {"id_number": person()["id_number"][:10]},  # region + birth year
        lambda: {"q": person()["id_number"][-4:]},
        lambda: {"unit": str(rng.choice(unit_ids))},
        lambda: {"unit": rng.choice(words)},
        lambda: {"unit": rng.choice(unit_names)[:6]},
        lambda: {"category": rng.choice(categories)},
        lambda: {"identity": rng.choice(identities)},
        lambda: {"age": rng.choice(bands)},
        lambda: {"education": rng.choice(educations)},
        lambda: {"rank": rng.choice(ranks)},
        lambda: {"entry_year": str(rng.randint(1995, today.year))},
        lambda: {"age": rng.choice(bands), "education": rng.choice(educations)},
        lambda: {"age": rng.choice(bands), "identity": rng.choice(identities)},
        lambda: {"category": rng.choice(categories), "rank": rng.choice(ranks)},
        lambda: {"unit": str(rng.choice(unit_ids)), "age": rng.choice(bands)},
        lambda: {"name": rng.choice(surnames), "age": rng.choice(bands)},
        lambda: {"name": rng.choice(surnames), "released": "1"},
        lambda: {"initials": person()["name_pinyin_initials"][:2], "released": "1"},
        lambda: {
            "name": rng.choice(surnames),
            "as_of": (today - dt.timedelta(days=rng.randint(300, 3000))).isoformat(),
        },
        lambda: {},  # everyone in post
    ]
    queries = []
    for i in range(N_QUERIES):
        filters = makers[i % len(makers)]()
        filters["sort"] = rng.choice(sorts)
        if rng.random() < 0.2:
            filters["page"] = str(rng.randint(2, 4))
        queries.append(filters)
    return queries


# --- the hand-written baseline -----------------------------------------------------

ORDER_SQL = {
    "name": "p.name, p.id",
    "unit": "po.unit_id, p.name, p.id",
    "birth": "p.certified_birth_date, p.id",
    "entry": "po.entered_unit_on, p.id",
    "id": "p.id_number",
}


def baseline_sql(filters: dict, today: dt.date) -> tuple[str, list]:
    """The page as one plain SELECT: joins, WHERE, ORDER BY, LIMIT/OFFSET."""
    from bianzhi.roster.search_query import AGE_BANDS, years_before

    where, params = [], []
    as_of = filters.get("as_of")
    if as_of:
        where.append(
            "po.start_date <= %s AND (po.end_date IS NULL OR po.end_date > %s)"
        )
        params += [as_of, as_of]
    elif filters.get("released"):
        where.append(
            "(po.end_date IS NULL OR (po.ended_by = 'release' AND NOT EXISTS ("
            "SELECT 1 FROM roster_posting l WHERE l.person_id = po.person_id"
            " AND l.start_date > po.start_date)))"
        )
    else:
        where.append("po.end_date IS NULL")
    day = dt.date.fromisoformat(as_of) if as_of else today
    for key, value in filters.items():
        if key == "name":
            where.append("p.name LIKE %s")
            params.append(f"%{value}%")
        elif key in ("initials", "q") and value.isalpha():
            where.append("p.name_pinyin_initials LIKE %s")
            params.append(f"{value.lower()}%")
        elif key in ("id_number", "q"):
            if len(value) == 18:
                where.append("p.id_number = %s")
                params.append(value)
            elif len(value) <= 6:
                where.append("(p.id_number LIKE %s OR p.id_number LIKE %s)")
                params += [f"{value}%", f"%{value}"]
            else:
                where.append("p.id_number LIKE %s")
                params.append(f"{value}%")
        elif key == "unit":
            if value.isdigit():
                where.append("po.unit_id = %s")
                params.append(int(value))
            else:
                where.append("(u.name LIKE %s OR u.short_name LIKE %s)")
                params += [f"%{value}%", f"%{value}%"]
        elif key == "category":
            where.append("a.category_id = %s")
            params.append(value)
        elif key in ("identity", "education", "rank"):
            where.append(f"p.{key} = %s")
            params.append(value)
        elif key == "age":
            low, high, _label = AGE_BANDS[value]
            if high is not None:
                where.append("p.certified_birth_date > %s")
                params.append(years_before(day, high))
            if low is not None:
                where.append("p.certified_birth_date <= %s")
                params.append(years_before(day, low))
        elif key == "entry_year":
            year = int(value)
            where.append("po.entered_unit_on >= %s AND po.entered_unit_on < %s")
            params += [dt.date(year, 1, 1), dt.date(year + 1, 1, 1)]
    sort = filters.get("sort", "name")
    order = ORDER_SQL[sort.lstrip("-")]
    if sort.startswith("-"):
        order = ", ".join(f"{c} DESC" for c in order.split(", "))
    offset = (int(filters.get("page", "1")) - 1) * 50
    sql = (
        "SELECT po.id, p.id, p.name, p.id_number, p.gender, p.certified_birth_date,"
        " p.identity, p.education, p.rank, p.position_title, u.id, u.name,"
        " a.category_id, a.funding, po.start_date, po.entered_unit_on, po.end_date,"
        " po.end_reason"
        " FROM roster_posting po"
        " JOIN roster_person p ON p.id = po.person_id"
        " JOIN orgs_unit u ON u.id = po.unit_id"
        " JOIN quota_quotaaccount a ON a.id = po.account_id"
        f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT 50 OFFSET {offset}"
    )
    return sql, params


# --- the run -------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    ensure_database()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from bianzhi.roster.models import Person

    client = Client()
    client.force_login(get_user_model().objects.get(username="office"))
    queries = make_queries(random.Random(SEED))
    today = dt.date.today()
    persons = Person.objects.count()

    def ours(filters: dict) -> tuple[float, str]:
        started = time.perf_counter()
        response = client.get("/roster/search/?" + urlencode(filters))
        elapsed = (time.perf_counter() - started) * 1000
        body = response.content.decode()
        if response.status_code != 200 or 'role="alert"' in body:
            raise SystemExit(f"search failed: {filters} → {response.status_code}")
        return elapsed, body

    def base(filters: dict) -> float:
        sql, params = baseline_sql(filters, today)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
        return (time.perf_counter() - started) * 1000

    for filters in queries:  # warm-up pass: caches, compiled templates
        ours(filters)
        base(filters)
    timings = []
    for filters in queries:
        ms, body = ours(filters)
        timings.append((ms, base(filters), filters, body.count('href="/persons/')))
    ours_ms = [t[0] for t in timings]
    base_ms = [t[1] for t in timings]
    vendor = connection.vendor
    print(f"database: {vendor}, {persons} persons; {len(queries)} searches")
    print("slowest searches (ours ms, base ms, rows shown, filters):")
    for ms, b, filters, rows in sorted(timings, key=lambda t: -t[0])[:8]:
        print(f"  {ms:7.1f} {b:8.1f} {rows:3d}  {filters}")
    median_ours, median_base = statistics.median(ours_ms), statistics.median(base_ms)
    p95_ours, p95_base = percentile(ours_ms, 0.95), percentile(base_ms, 0.95)
    print(f"median ours={median_ours:.1f} ms base={median_base:.1f} ms")
    print(f"p95 ours={p95_ours:.1f} ms base={p95_base:.1f} ms")
    print(f"max ours={max(ours_ms):.1f} ms base={max(base_ms):.1f} ms")
    # The other office tools, for the record (not part of the ratio).
    pages = [("suspicious", "/roster/suspicious/")]
    for pk in Person.objects.order_by("pk").values_list("pk", flat=True)[
        :: max(persons // 3, 1)
    ][:3]:
        pages.append((f"history {pk}", f"/persons/{pk}/history/"))
        pages.append((f"history {pk} audit part", f"/persons/{pk}/history/?audit=1"))
    for label, url in pages:
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(url)
            runs.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
        print(f"page {label}: median {statistics.median(runs):.1f} ms")
    ratio = p95_ours / p95_base if p95_base else float("inf")
    print(f"BENCH search ours={p95_ours:.1f} base={p95_base:.1f} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()

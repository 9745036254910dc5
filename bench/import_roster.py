"""Roster import benchmark: a city-size 实名制 file into an empty roster.

1. prepare: `bianzhi setup` + `bianzhi demo --persons 0` into a temp var dir
   (the demo city's regions, units and quota; no persons). --template DIR
   reuses a var dir prepared that way (its database is copied, never changed).
2. generate (child process): the demo generator's person functions
   (bianzhi.demo.people._new_person over the demo's accounts, build_slots)
   make --rows people for the demo city's units; where the accounts hold
   fewer posts, the quota is raised first through the quota services (one
   increase_total per region × category × funding, one grant per account,
   like the demo's own 压力测试 option), so the file is valid and every row
   is fully checked and written. The rows are written as an .xlsx with the
   format's Chinese headers and labels (xlsxwriter).
3. import (fresh child process, so its peak memory is the import's): the
   baseline reads the same file with python-calamine (every cell, nothing
   else); then `run_import` as `bianzhi import roster FILE --commit` runs it:
   one full validation of every row (cells, then every rule of a single
   enrollment in file order) and the writes with one audit event per person,
   in one transaction — timed. `--dry-run` also times a dry run first (the
   same validation, rolled back). Afterwards (untimed) the audit chain is
   verified as `bianzhi audit verify` does.

PostgreSQL: --database-url postgres://…/EMPTY_DB runs the same on that
(empty) database (setup + demo are loaded into it; --template is ignored).

Usage:
    .venv/bin/python bench/import_roster.py [--rows N] [--template DIR]
        [--database-url URL] [--dry-run]
Output: one line per phase, then `TOTAL seconds=<the commit import> ...` and
the last line `BENCH import_roster ours=<rows/s> base=<rows/s> ratio=<r>`
(ours = rows per second of the committing import, ratio = ours / base).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["序号", "单位名称", "统一社会信用代码", "姓名", "公民身份号码", "性别", "民族",
           "出生日期", "政治面貌", "学历", "学位", "所学专业", "人员身份", "编制类型",
           "经费形式", "职务", "职级", "领导职务层次", "进入方式", "进入本单位时间",
           "参加工作时间", "入编文号", "备注"]  # fmt: skip


DATABASE_URL: str | None = None  # --database-url (PostgreSQL); else SQLite in var


def _env(var_dir: Path) -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if DATABASE_URL:
        env["DATABASE_URL"] = DATABASE_URL
    env["BIANZHI_VAR_DIR"] = str(var_dir)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    # As deployed: DEBUG off (with DEBUG on, Django keeps the text of every
    # statement, which is not what an office's import pays).
    env["BIANZHI_DEBUG"] = "0"
    return env


def _child(stage: str, var_dir: Path, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--var-dir", str(var_dir), *args],
        env=_env(var_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.stderr.write(out.stderr[-5000:])
        raise SystemExit(f"stage {stage} failed (exit {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(var_dir: Path, template: str | None) -> float:
    started = time.perf_counter()
    if template and not DATABASE_URL:
        shutil.copytree(template, var_dir, dirs_exist_ok=True)
        return 0.0
    bianzhi = [sys.executable, "-m", "bianzhi.cli"]
    for args in (["setup"], ["demo", "--persons", "0"]):
        subprocess.run(
            [*bianzhi, *args], env=_env(var_dir), cwd=ROOT, check=True,
            capture_output=True,
        )  # fmt: skip
    return time.perf_counter() - started


# --- stage: generate ------------------------------------------------------------------


def _labels():
    from bianzhi.roster.values import (
        DEGREE,
        EDUCATION,
        ETHNICITY,
        GENDER,
        IDENTITY,
        POLITICAL_STATUS,
        RANK,
    )  # fmt: skip

    return DEGREE, EDUCATION, ETHNICITY, GENDER, IDENTITY, POLITICAL_STATUS, RANK


def generate(rows: int, out: Path) -> dict:
    import xlsxwriter
    from django.utils import timezone

    from bianzhi.core.actor import Actor
    from bianzhi.demo.people import _new_person, build_slots
    from bianzhi.orgs.models import Region
    from bianzhi.quota import services
    from bianzhi.quota.models import QuotaAccount
    from bianzhi.quota.rules import FUNDING_LABELS

    degree, education, ethnicity, gender, identity, political, rank = _labels()
    started = time.perf_counter()
    today = timezone.localdate()
    rng = random.Random(2026)
    slots = [s for s in build_slots(today) if s.m > 0]
    weight = sum(s.m for s in slots)
    counts = {id(s): rows * s.m // weight for s in slots}
    for s in sorted(slots, key=lambda s: -s.m)[: rows - sum(counts.values())]:
        counts[id(s)] += 1
    # Raise the quota where the file holds more people than the account's vacancy.
    actor = Actor.system("基准测试")
    vacancy = {
        a.pk: a.approved - a.occupied - a.reserved
        for a in QuotaAccount.objects.filter(pk__in=[s.account_id for s in slots])
    }
    extra = {id(s): max(0, counts[id(s)] - vacancy[s.account_id]) for s in slots}
    totals: dict[tuple, int] = {}
    for s in slots:
        if extra[id(s)]:
            key = (s.unit.region_id, s.category, s.funding)
            totals[key] = totals.get(key, 0) + extra[id(s)]
    doc = iter(range(1, 100000))
    common = dict(effective_date=today, reason="基准测试：扩大编制", today=today)
    for (region, category, funding), amount in sorted(totals.items()):
        services.quota_increase_total(
            actor=actor, region=Region.objects.get(pk=region), category=category,
            funding=funding, amount=amount, doc_no=f"示省编〔{today.year}〕{next(doc)}号",
            **common,
        )  # fmt: skip
    for s in slots:
        if extra[id(s)]:
            services.quota_grant(
                actor=actor, unit=s.unit, category=s.category, funding=s.funding,
                amount=extra[id(s)], doc_no=f"示编〔{today.year}〕{next(doc)}号", **common,
            )  # fmt: skip
    quota_seconds = time.perf_counter() - started

    events = SimpleNamespace(taken=set())
    category_names = {"administrative": "行政编制", "political_legal": "政法专项编制",
                      "institutional": "事业编制", "logistics": "工勤编制"}  # fmt: skip
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("实名制人员信息")
    sheet.write_row(0, 0, HEADERS)
    line = 0
    for s in slots:
        for _ in range(counts[id(s)]):
            person = _new_person(rng, s, today, events=events)
            data = person.data
            work = data["work_start_date"]
            adult = dt.date(
                person.birth.year + 18, person.birth.month, 1
            ) + dt.timedelta(days=31)
            low = max(work, adult)
            entered = low + dt.timedelta(
                days=int(max(0, (today - low).days) * rng.random())
            )
            line += 1
            sheet.write_row(line, 0, [
                line, s.unit.name, "", data["name"], data["id_number"],
                gender.label(data["gender"]), ethnicity.label(data["ethnicity"]),
                person.birth.isoformat(), political.label(data["political_status"]),
                education.label(data["education"]),
                degree.label(data["degree"]) if data["degree"] else "",
                data["major"], identity.label(data["identity"]),
                category_names[s.category], FUNDING_LABELS[s.funding], "",
                rank.label(data["rank"]), "", "初始化导入", entered.isoformat(),
                work.isoformat(), "", "",
            ])  # fmt: skip
    book.close()
    return {
        "rows": line,
        "accounts": len(slots),
        "extra_posts": sum(extra.values()),
        "quota_seconds": round(quota_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "bytes": out.stat().st_size,
    }


# --- stage: import ----------------------------------------------------------------------


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline(path: Path) -> tuple[float, int]:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    rows = 0
    for row in book.get_sheet_by_index(0).iter_rows():
        rows += 1
        for _cell in row:
            pass
    return time.perf_counter() - started, rows - 1


def run(path: Path, dry_run: bool) -> dict:
    from django.db import connection

    from bianzhi.core import audit
    from bianzhi.core.actor import Actor
    from bianzhi.exchange.imports import run_import
    from bianzhi.roster.models import Person, Posting

    assert not Person.objects.exists(), "the roster must be empty"
    base_seconds, base_rows = baseline(path)
    actor = Actor.system("基准测试")
    timings = {}
    results = {}
    phases = (("dry_run", False),) if dry_run else ()
    for label, commit in (*phases, ("commit", True)):
        started, cpu = time.perf_counter(), time.process_time()
        result = run_import(actor=actor, kind="roster", path=path, commit=commit)
        timings[label] = time.perf_counter() - started
        timings[label + "_cpu"] = time.process_time() - cpu
        results[label] = result
        if result.errors:
            first = "; ".join(e.text for e in result.errors[:5])
            raise SystemExit(f"{label}: {len(result.errors)} errors: {first}")
    maxrss = _maxrss_mb()
    started = time.perf_counter()
    chain = audit.verify_chain()
    return {
        "chain_ok": chain.ok,
        "chain_checked": chain.checked,
        "verify_seconds": time.perf_counter() - started,
        "vendor": connection.vendor,
        "rows": results["commit"].rows,
        "written": Posting.objects.count(),
        "base_seconds": base_seconds,
        "base_rows": base_rows,
        "dry_run_seconds": timings.get("dry_run"),
        "commit_seconds": timings["commit"],
        "dry_run_cpu": timings.get("dry_run_cpu"),
        "commit_cpu": timings["commit_cpu"],
        "maxrss_mb": maxrss,
    }


def stage(name: str, args) -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    if name == "generate":
        data = generate(args.rows, Path(args.file))
    else:
        data = run(Path(args.file), args.dry_run)
    print(json.dumps(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--template", help="a var dir with the demo loaded (reused)")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory")
    parser.add_argument(
        "--dry-run", action="store_true", help="also time a dry run (before the commit)"
    )
    parser.add_argument(
        "--stage", choices=("generate", "import"), help=argparse.SUPPRESS
    )
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help="an empty PostgreSQL database")
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global DATABASE_URL
    DATABASE_URL = args.database_url
    if args.stage:
        stage(args.stage, args)
        return
    work = Path(tempfile.mkdtemp(prefix="bianzhi-bench-import-"))
    var_dir, path = work / "var", work / "roster.xlsx"
    try:
        prepared = prepare(var_dir, args.template)
        if prepared:
            print(f"prepare: demo city loaded in {prepared:.1f} s ({var_dir})")
        made = _child(
            "generate", var_dir, "--rows", str(args.rows), "--file", str(path)
        )
        print(
            f"generate: {made['rows']} rows for {made['accounts']} accounts of the demo "
            f"city ({made['extra_posts']} posts added first, {made['quota_seconds']} s), "
            f"{made['bytes'] / 1e6:.1f} MB xlsx in {made['seconds']} s"
        )
        extra = ["--dry-run"] if args.dry_run else []
        got = _child("import", var_dir, "--file", str(path), *extra)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    rows = got["rows"]
    base = got["base_rows"] / got["base_seconds"]
    ours = rows / got["commit_seconds"]
    total = got["commit_seconds"]
    print(
        f"baseline: python-calamine read {got['base_rows']} rows in "
        f"{got['base_seconds']:.2f} s ({base:.0f} rows/s)"
    )
    if got["dry_run_seconds"] is not None:
        print(
            f"dry run: {rows} rows checked (rolled back) in "
            f"{got['dry_run_seconds']:.1f} s ({rows / got['dry_run_seconds']:.0f} "
            f"rows/s, cpu {got['dry_run_cpu']:.1f} s)"
        )
    print(
        f"commit: {got['written']} postings written in {got['commit_seconds']:.1f} s "
        f"({ours:.0f} rows/s) on {got['vendor']}; peak memory {got['maxrss_mb']:.0f} MB"
    )
    print(
        f"cpu: commit {got['commit_cpu']:.1f} s of process CPU time "
        "(wall minus CPU = disk and other processes)"
    )
    print(
        f"audit chain: {'valid' if got['chain_ok'] else 'BROKEN'} "
        f"({got['chain_checked']} events verified in {got['verify_seconds']:.1f} s)"
    )
    print(
        f"TOTAL seconds={total:.1f} (bianzhi import roster --commit: validation + "
        f"writes; aim <= 60) rows={rows} peak_mb={got['maxrss_mb']:.0f}"
    )
    print(
        f"BENCH import_roster ours={ours:.0f} base={base:.0f} ratio={ours / base:.4f}"
    )


if __name__ == "__main__":
    main()

"""Reconciliation at city and province scale (issue 7, DOMAIN §9).

For each size, synthetic roster export + payroll + social insurance +
population CSVs with injected anomalies of every rule and the near misses
(bench/reconcile_gen.py) are written by a background process, then
`bianzhi reconcile --roster … --out out.csv --json` runs in a child process
(end-to-end: reading, rules, storing the run, writing the report). Reported:
seconds, peak memory of the child (ru_maxrss), precision and recall per rule
against the known truth, near misses wrongly reported, and the ratio to a
baseline of one plain DuckDB FULL OUTER JOIN on the ID over the same four
files (base/ours).

Also the city run with the roster from the database (`--db`): a city of
BENCH_RECONCILE_DB_N persons (default 200,000) is loaded with the bulk path
(as bench/check.py does), the external files are written from its roster
(anomalies of the rules a database roster can show through the files: R1,
R2, R3, R6, R7, R8, R9), and `bianzhi reconcile` runs without --roster.

Usage:
    .venv/bin/python bench/reconcile.py            # city + province + city from the database
    .venv/bin/python bench/reconcile.py --quick    # 5,000 persons
    .venv/bin/python bench/reconcile.py --city --db
Last line: `BENCH reconcile ours=<s> base=<s> ratio=<base/ours>` (the largest run).
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import reconcile_gen  # noqa: E402

BIANZHI = str(ROOT / ".venv" / "bin" / "bianzhi")
PYTHON = sys.executable
SIZES = {"quick": 5000, "city": 200_000, "province": 2_000_000}
RULES = [f"R{i}" for i in range(1, 12)]


def _generate(n: int, out: Path) -> None:
    reconcile_gen.generate(n, out)


def generate_in_background(n: int, out: Path) -> float:
    start = time.perf_counter()
    process = multiprocessing.Process(target=_generate, args=(n, out))
    process.start()
    while process.is_alive():
        process.join(timeout=10)
        if process.is_alive():
            size = (
                sum(f.stat().st_size for f in out.glob("*.csv")) if out.exists() else 0
            )
            print(
                f"  … generating {n:,} persons: {size / 1e6:.0f} MB written", flush=True
            )
    if process.exitcode != 0:
        raise SystemExit(f"generator failed ({process.exitcode})")
    return time.perf_counter() - start


def _run_measured(cmd: list[str], env: dict) -> tuple[float, float, str, str]:
    """Like _child, with ru_maxrss of the child from os.wait4."""
    start = time.perf_counter()
    out_f = tempfile.TemporaryFile(mode="w+")
    err_f = tempfile.TemporaryFile(mode="w+")
    pid = os.posix_spawn(
        cmd[0],
        cmd,
        env,
        file_actions=[
            (os.POSIX_SPAWN_DUP2, out_f.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, err_f.fileno(), 2),
        ],
    )
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    out_f.seek(0)
    err_f.seek(0)
    out, err = out_f.read(), err_f.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {' '.join(cmd)}\n{err[-3000:]}")
    _run_measured.cpu = usage.ru_utime + usage.ru_stime  # type: ignore[attr-defined]
    return wall, usage.ru_maxrss / 1024, out, err


BASELINE = """
import duckdb, sys, time
d = sys.argv[1]
con = duckdb.connect()
start = time.perf_counter()
n = con.execute(f'''
WITH r AS (SELECT "公民身份号码" AS id FROM read_csv('{d}/roster.csv', all_varchar=true)),
p AS (SELECT "身份证号码" AS id FROM read_csv('{d}/payroll.csv', all_varchar=true, skip={sys.argv[2]})),
s AS (SELECT "社会保障号码" AS id FROM read_csv('{d}/social.csv', all_varchar=true)),
o AS (SELECT "公民身份号码" AS id FROM read_csv('{d}/population.csv', all_varchar=true))
SELECT count(*) FROM r FULL OUTER JOIN p USING (id) FULL OUTER JOIN s USING (id) FULL OUTER JOIN o USING (id)
''').fetchone()[0]
print(n, time.perf_counter() - start)
"""


def baseline(
    directory: Path, env: dict, encoding: str = "gb18030", skip: int = 1
) -> float:
    # DuckDB reads UTF-8 only: the baseline gets a UTF-8 copy of the GB18030
    # payroll made outside its timing (our run transcodes inside its own).
    utf8 = directory / "baseline"
    utf8.mkdir(exist_ok=True)
    for name in ("roster.csv", "social.csv", "population.csv"):
        target = utf8 / name
        if not target.exists():
            os.link(directory / name, target)
    target = utf8 / "payroll.csv"
    if not target.exists():
        with (
            (directory / "payroll.csv").open(encoding=encoding) as src,
            target.open("w", encoding="utf-8") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
    wall, _, out, _ = _run_measured([PYTHON, "-c", BASELINE, str(utf8), str(skip)], env)
    return wall


def evaluate(csv_path: Path, truth: dict) -> tuple[list[str], bool]:
    found: dict[str, set] = {r: set() for r in RULES}
    with csv_path.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            rule = row["rule"]
            found[rule].add(row["单位名称"] if rule == "R10" else row["公民身份号码"])
    lines, ok = [], True
    near = set(truth["near_miss"])
    for rule in RULES:
        expected = set(truth["truth"].get(rule, []))
        got = found[rule]
        tp = len(expected & got)
        precision = tp / len(got) if got else 1.0
        recall = tp / len(expected) if expected else 1.0
        wrong_near = len(got & near)
        ok = ok and precision >= 0.99 and recall >= 0.99 and not wrong_near
        lines.append(
            f"  {rule:>3}: expected {len(expected):>5} found {len(got):>5} "
            f"precision {precision:.3f} recall {recall:.3f} near-misses reported {wrong_near}"
        )
    return lines, ok


def run_size(label: str, n: int, work: Path, env: dict) -> tuple[float, float]:
    directory = work / label
    print(f"[{label}] generating {n:,} persons …", flush=True)
    gen = generate_in_background(n, directory)
    truth = json.loads((directory / "truth.json").read_text(encoding="utf-8"))
    sizes = {f.name: f.stat().st_size for f in directory.glob("*.csv")}
    print(
        f"[{label}] generated in {gen:.1f}s: "
        + ", ".join(f"{k} {v / 1e6:.0f} MB" for k, v in sorted(sizes.items()))
    )
    out = directory / "out.csv"
    cmd = [
        BIANZHI,
        "reconcile",
        "--roster",
        str(directory / "roster.csv"),
        "--payroll",
        str(directory / "payroll.csv"),
        "--social",
        str(directory / "social.csv"),
        "--population",
        str(directory / "population.csv"),
        "--month",
        "2026-10",
        "--out",
        str(out),
        "--json",
    ]
    ours, rss, stdout, _ = _run_measured(cmd, env)
    cpu = _run_measured.cpu  # type: ignore[attr-defined]
    summary = json.loads(stdout.strip().splitlines()[-1])
    base = baseline(directory, env)
    base_cpu = _run_measured.cpu  # type: ignore[attr-defined]
    lines, ok = evaluate(out, truth)
    print(
        f"[{label}] ours {ours:.2f}s end-to-end (engine {summary['seconds']:.2f}s incl. report), "
        f"peak memory {rss:.0f} MB, findings {summary['findings']}, counts {summary['counts']}"
    )
    print(
        f"[{label}] baseline DuckDB FULL OUTER JOIN on ID over the 4 files: {base:.2f}s"
    )
    print(
        f"[{label}] CPU seconds (user+sys of the child): ours {cpu:.2f}, base {base_cpu:.2f}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for line in lines:
        print(line)
    print(
        f"[{label}] precision and recall ≥ 0.99 on every rule, no near miss reported: {'YES' if ok else 'NO'}"
    )
    print(
        f"BENCH reconcile_{label} ours={ours:.2f} base={base:.2f} ratio={base / ours:.3f}",
        flush=True,
    )
    return ours, base


def main() -> None:
    args = set(sys.argv[1:])
    if "--quick" in args:
        labels = ["quick"]
    else:
        labels = [x for x in ("city", "province") if f"--{x}" in args]
        if not labels and "--db" not in args:
            labels = ["city", "province"]
            args.add("--db")  # the full run includes the database roster
        labels = labels or ["city"]
    work = Path(tempfile.mkdtemp(prefix="bianzhi-bench-reconcile-"))
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{work}/bench.sqlite3"
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    # Measured as deployed: DEBUG off (config.settings.base defaults it on,
    # which makes Django format and keep every SQL statement it runs).
    env.setdefault("BIANZHI_DEBUG", "0")
    results = []
    try:
        subprocess.run([BIANZHI, "migrate", "-v0"], env=env, check=True)
        for label in labels:
            results.append(run_size(label, SIZES[label], work, env))
        if "--db" in args:
            import reconcile_db

            results.append(
                reconcile_db.run(work, env, _run_measured, evaluate, baseline)
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ours, base = results[len(labels) - 1]  # the largest file run
    print(f"BENCH reconcile ours={ours:.2f} base={base:.2f} ratio={base / ours:.3f}")


if __name__ == "__main__":
    main()

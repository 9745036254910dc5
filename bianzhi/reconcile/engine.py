"""The reconciliation engine: sources into DuckDB, rules, R6 scoring,
evidence. Pure computation: it writes nothing to the database (services.py
stores the result in one transaction).

Memory: DuckDB runs in-process with a memory limit and spills to a
temporary directory, so a province (millions of rows per file) runs in a
bounded footprint; CSVs are never loaded into Python.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from bianzhi.core.errors import ApplicationError, ErrorCode

from . import rules
from .evidence import attach_evidence
from .normalize import install_macros, install_roster_macros, name_score
from .readers.common import Staged, prefetch
from .readers.external import load_payroll, load_population, load_social
from .readers.roster_file import load_roster_file
from .schemas import PAYROLL, POPULATION, SOCIAL, SOURCE_LABELS

Progress = Callable[[int, str], None]  # (percent 0-100, stage label)


@dataclass
class FindingRow:
    rule: str
    id_number: str
    unit_key: str
    unit_ref: str
    unit_name: str
    unit_id: int | None
    person_name: str
    explanation: str
    score: str = ""
    evidence: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return finding_key(self.rule, self.id_number, self.unit_ref)


def finding_key(rule: str, id_number: str, unit_ref: str) -> str:
    """(rule, ID number, unit) as one string: the identity a review is
    remembered under across months."""
    return f"{rule}|{id_number}|{unit_ref}"[:255]


@dataclass
class EngineResult:
    month: dt.date
    roster_source: str  # "database" | "file"
    inputs: list[dict]
    persons: int
    counts: dict[str, int]
    skipped: list[dict]
    findings: list[FindingRow]
    seconds: float = 0.0


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def tongfa_fundings() -> tuple[str, ...]:
    """Fundings of the accounts paid through 统发 (DOMAIN §9: 财政拨款 by
    default; settings.RECONCILE_TONGFA_FUNDINGS may add "partial")."""
    from django.conf import settings

    return tuple(getattr(settings, "RECONCILE_TONGFA_FUNDINGS", ("full",)))


def _connect(workdir: Path) -> duckdb.DuckDBPyConnection:
    from django.conf import settings

    con = duckdb.connect(
        config={
            "memory_limit": getattr(settings, "RECONCILE_MEMORY_LIMIT", "6GB"),
            "temp_directory": str(workdir / "spill"),
            # readers.common turns it on while a CSV is staged (rowid = line).
            "preserve_insertion_order": False,
        }
    )
    threads = getattr(settings, "RECONCILE_THREADS", None)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _as_path(value) -> tuple[Path, str] | None:
    """A source given as a path or (path, original filename)."""
    if value is None or value == "":
        return None
    if isinstance(value, tuple):
        return Path(value[0]), str(value[1])
    return Path(value), Path(value).name


def reconcile(
    *,
    month: dt.date,
    roster_path=None,
    payroll=None,
    social=None,
    population=None,
    progress: Progress | None = None,
) -> EngineResult:
    """Run R1–R11 for `month`; the roster from the database unless
    `roster_path` is given. Raises ApplicationError on bad input."""
    started = time.monotonic()
    report = progress or (lambda _p, _s: None)
    first, last = month_bounds(month)
    tongfa = tongfa_fundings()
    workdir = Path(tempfile.mkdtemp(prefix="bianzhi-reconcile-"))
    con = _connect(workdir)
    executor = ThreadPoolExecutor(max_workers=1)
    try:
        install_macros(con, today=dt.date.today())
        install_roster_macros(con)
        _category_names(con)
        inputs: list[Staged] = []
        sources = {
            "roster": _as_path(roster_path),
            "payroll": _as_path(payroll),
            "social": _as_path(social),
            "population": _as_path(population),
        }
        _refuse_same_files(sources)
        # The external CSVs are opened (hashed, header found) in the
        # background while DuckDB reads the roster: their errors surface when
        # each is staged, as before.
        opened = {
            source: prefetch(executor, *sources[source], schema)
            for source, schema in (
                ("payroll", PAYROLL),
                ("social", SOCIAL),
                ("population", POPULATION),
            )
            if sources[source] is not None
        }
        report(2, "读取实名制人员")
        if sources["roster"] is not None:
            path, name = sources["roster"]
            staged = load_roster_file(
                con,
                path,
                month=first,
                last=last,
                tongfa=tongfa,
                workdir=workdir,
                filename=name,
            )
            inputs.append(staged)
            persons = con.execute("SELECT count(DISTINCT id) FROM roster").fetchone()[0]
        else:
            from .roster_db import load_roster_db

            persons = load_roster_db(
                con, month=first, last=last, tongfa=tongfa, workdir=workdir
            )
        rules.unit_maps(con)
        loaders = (
            ("payroll", load_payroll, 30, "读取工资统发数据"),
            ("social", load_social, 50, "读取社保缴费数据"),
            ("population", load_population, 65, "读取公安人口信息"),
        )
        for source, loader, percent, label in loaders:
            if sources[source] is None:
                continue
            report(percent, label)
            path, name = sources[source]
            staged = loader(
                con,
                path,
                month=first,
                workdir=workdir,
                filename=name,
                opened=opened.get(source),
            )
            _refuse_duplicate(inputs, staged)
            inputs.append(staged)
        ctx = rules.Context(
            first=first,
            last=last,
            has_pay=sources["payroll"] is not None,
            has_soc=sources["social"] is not None,
            has_pop=sources["population"] is not None,
        )
        report(75, "执行比对规则")
        rules.prepare(con, ctx)
        rules.run(con, ctx)
        findings = _collect(con)
        findings += _r6(con, ctx)
        report(90, "整理疑点证据")
        attach_evidence(con, ctx, findings)
        skipped = rules.skipped_rules(ctx)
        fully_skipped = {s["rule"] for s in skipped if not s["partial"]}
        counts = {r: 0 for r in rules.RULE_ORDER if r not in fully_skipped}
        for finding in findings:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        findings.sort(
            key=lambda f: (rules.RULE_ORDER.index(f.rule), f.unit_name, f.id_number)
        )
        report(100, "完成")
        return EngineResult(
            month=first,
            roster_source="file" if sources["roster"] is not None else "database",
            inputs=[
                {
                    "source": s.source,
                    "label": SOURCE_LABELS[s.source],
                    "filename": s.filename,
                    "sha256": s.sha256,
                    "size": s.size,
                    "rows": s.rows,
                    **({"invalid_ids": s.invalid} if s.invalid else {}),
                }
                for s in inputs
            ],
            persons=int(persons),
            counts=counts,
            skipped=skipped,
            findings=findings,
            seconds=time.monotonic() - started,
        )
    except duckdb.OutOfMemoryException:
        raise ApplicationError(
            ErrorCode.FILE_TOO_LARGE, "比对所需内存超出限制（RECONCILE_MEMORY_LIMIT）"
        ) from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        con.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _category_names(con) -> None:
    from bianzhi.quota.models import QuotaCategory

    pairs = list(QuotaCategory.objects.values_list("code", "name"))
    con.execute("CREATE OR REPLACE TABLE catnames (code VARCHAR, name VARCHAR)")
    if pairs:
        con.execute(
            "INSERT INTO catnames SELECT unnest($1), unnest($2)",
            [[p[0] for p in pairs], [p[1] for p in pairs]],
        )


def _fingerprint(path: Path) -> tuple:
    """Size and the hashes of the first and last MB: equal for equal files,
    and cheap for a 1 GB CSV (the full SHA-256 is computed only on a match)."""
    import hashlib

    size = path.stat().st_size
    with path.open("rb") as handle:
        head = hashlib.sha256(handle.read(1 << 20)).hexdigest()
        handle.seek(max(0, size - (1 << 20)))
        tail = hashlib.sha256(handle.read(1 << 20)).hexdigest()
    return size, head, tail


def _refuse_same_files(sources: dict) -> None:
    """One file given as two sources is refused before anything is read."""
    from bianzhi.exchange.services import file_digest

    seen: dict[tuple, tuple[str, Path, str]] = {}
    for source, given in sources.items():
        if given is None:
            continue
        path, name = given
        try:
            key = _fingerprint(path)
        except OSError:
            continue  # open_table reports the unreadable file
        if key in seen:
            other_source, other_path, other_name = seen[key]
            if file_digest(path)[0] == file_digest(other_path)[0]:
                raise ApplicationError(
                    ErrorCode.SOURCE_DUPLICATE,
                    f"「{name}」（{SOURCE_LABELS[source]}）与「{other_name}」"
                    f"（{SOURCE_LABELS[other_source]}）是同一个文件",
                )
        seen[key] = (source, path, name)


def _refuse_duplicate(inputs: list[Staged], staged: Staged) -> None:
    for other in inputs:
        if other.sha256 == staged.sha256:
            raise ApplicationError(
                ErrorCode.SOURCE_DUPLICATE,
                f"「{staged.filename}」（{SOURCE_LABELS[staged.source]}）与"
                f"「{other.filename}」（{SOURCE_LABELS[other.source]}）是同一个文件",
                params={"sha256": staged.sha256},
            )


def _collect(con) -> list[FindingRow]:
    rows = con.execute(
        "SELECT f.rule, f.id, coalesce(f.unit_key, ''), coalesce(u.unit_ref, f.unit_key, ''), "
        "coalesce(u.unit_name, ''), u.unit_id, coalesce(f.person_name, ''), f.explanation "
        "FROM F f LEFT JOIN unitinfo u ON u.unit_key = f.unit_key"
    ).fetchall()
    return [FindingRow(*row) for row in rows]


def _r6(con, ctx: rules.Context) -> list[FindingRow]:
    """Score the residue of differing names (traditional → simplified first)."""
    residue = rules.name_residue(con, ctx)
    if not residue:
        return []
    by_id: dict[str, list[tuple]] = defaultdict(list)
    for id_number, src, name, unit_key, priority in residue:
        by_id[id_number].append((priority, src, name or "", unit_key))
    keys = sorted({row[3] for row in residue if row[3]})
    units = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT unit_key, unit_ref, unit_name, unit_id FROM unitinfo "
            "WHERE unit_key IN (SELECT unnest($1))",
            [keys],
        ).fetchall()
    }
    labels = {
        "roster": "实名制",
        "population": "公安人口信息",
        "payroll": "工资统发",
        "social": "社保",
    }
    out = []
    for id_number, names in by_id.items():
        names.sort()
        ref = names[0]
        differing = []
        worst = None
        for _priority, src, name, _unit in names[1:]:
            score = name_score(ref[2], name)
            if score is None:
                continue
            differing.append((src, name, score))
            if worst != "different":
                worst = score
        if not differing:
            continue
        unit_key = ref[3] or next((n[3] for n in names if n[3]), "")
        unit_ref, unit_name, unit_id = units.get(unit_key, (unit_key, "", None))
        verdict = (
            "疑似录入错误（仅差一个字）" if worst == "likely_typo" else "可能不是同一人"
        )
        shown = "；".join(f"{labels[s]}为「{n}」" for s, n, _ in differing)
        out.append(
            FindingRow(
                rule="R6",
                id_number=id_number,
                unit_key=unit_key or "",
                unit_ref=unit_ref or unit_key or "",
                unit_name=unit_name or "",
                unit_id=unit_id,
                person_name=ref[2],
                explanation=f"{labels[ref[1]]}姓名为「{ref[2]}」，{shown}：{verdict}",
                score=worst or "",
            )
        )
    return out

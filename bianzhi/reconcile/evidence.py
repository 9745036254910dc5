"""Evidence of findings: the rows of every source behind each finding, a
list of row dicts (Chinese column labels) per source, at most EVIDENCE_ROWS
rows per source. R9 shows the refused rows; R10 the unit's numbers."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from . import rules

if TYPE_CHECKING:
    from .engine import FindingRow

EVIDENCE_ROWS = 5


def attach_evidence(con, ctx: rules.Context, findings: list[FindingRow]) -> None:
    """Attach the rows of every source behind each finding (a dict per source)."""
    ids = sorted(
        {f.id_number for f in findings if f.rule not in ("R9", "R10") and f.id_number}
    )
    per_id: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    if ids:
        con.execute("CREATE OR REPLACE TEMP TABLE fid (id VARCHAR)")
        con.execute("INSERT INTO fid SELECT unnest($1)", [ids])
        queries = {
            "roster": (
                "SELECT r.id, r.line, r.unit_name, r.name_raw, coalesce(c.name, r.category), "
                + rules.FUNDING_LABEL.format(f="r.funding")
                + ", strftime(r.start_d, '%Y-%m-%d'), strftime(r.end_d, '%Y-%m-%d'), "
                "strftime(r.retire_d, '%Y-%m-%d') FROM roster r LEFT JOIN catnames c "
                "ON c.code = r.category WHERE r.id IN (SELECT id FROM fid)",
                (
                    "行号",
                    "单位名称",
                    "姓名",
                    "编制类型",
                    "经费形式",
                    "入编日期",
                    "出编日期",
                    "退休时间",
                ),
            ),
            "offquota": (
                "SELECT id, line, unit_name, name_raw, CASE WHEN public THEN '财政资金' ELSE "
                "'单位自有资金' END FROM offq WHERE id IN (SELECT id FROM fid)",
                ("行号", "单位名称", "姓名", "经费来源"),
            ),
            "secondment": (
                "SELECT id, NULL, host_name, strftime(start_d, '%Y-%m-%d'), "
                "strftime(end_d, '%Y-%m-%d') FROM secd WHERE id IN (SELECT id FROM fid)",
                ("行号", "借调单位", "借调开始日期", "借调结束日期"),
            ),
        }
        if ctx.has_pay:
            queries["payroll"] = (
                "SELECT id, line, unit_name, name_raw, kind, net FROM pay WHERE id IN "
                "(SELECT id FROM fid)",
                ("行号", "单位名称", "姓名", "人员类别", "实发工资"),
            )
        if ctx.has_soc:
            queries["social"] = (
                "SELECT id, line, unit_name, name_raw, insurance, status_raw FROM soc "
                "WHERE id IN (SELECT id FROM fid)",
                ("行号", "参保单位名称", "姓名", "险种", "缴费状态"),
            )
        if ctx.has_pop:
            queries["population"] = (
                "SELECT id, line, name_raw, status, strftime(changed_on, '%Y-%m-%d') FROM pop "
                "WHERE id IN (SELECT id FROM fid)",
                ("行号", "姓名", "人员状态", "状态变更日期"),
            )
        for source, (sql, labels) in queries.items():
            for row in con.execute(sql).fetchall():
                bucket = per_id[row[0]][source]
                if len(bucket) < EVIDENCE_ROWS:
                    bucket.append(_row_dict(labels, row[1:]))
    r9 = _r9_evidence(con, ctx)
    r10 = _r10_evidence(con, ctx)
    for f in findings:
        if f.rule == "R9":
            f.evidence = {
                k: v for k, v in r9.get((f.id_number, f.unit_key), {}).items()
            }
        elif f.rule == "R10":
            f.evidence = r10.get(f.unit_key, {})
        else:
            f.evidence = {k: v for k, v in per_id.get(f.id_number, {}).items()}


def _row_dict(labels: tuple[str, ...], values: tuple) -> dict:
    out = {}
    for label, value in zip(labels, values, strict=True):
        if value is None:
            continue
        if isinstance(value, float):
            value = round(value, 2)
        out[label] = value
    return out


def _r9_evidence(con, ctx) -> dict:
    out: dict = defaultdict(lambda: defaultdict(list))
    parts = []
    if ctx.has_pay:
        parts.append(
            (
                "payroll",
                "SELECT coalesce(id_raw, ''), unit_key, line, unit_name, name_raw, problem FROM pay WHERE problem IS NOT NULL",
            )
        )
    if ctx.has_soc:
        parts.append(
            (
                "social",
                "SELECT coalesce(id_raw, ''), unit_key, line, unit_name, name_raw, problem FROM soc WHERE problem IS NOT NULL",
            )
        )
    if ctx.has_pop:
        parts.append(
            (
                "population",
                "SELECT coalesce(id_raw, ''), '', line, NULL, name_raw, problem FROM pop WHERE problem IS NOT NULL",
            )
        )
    for source, sql in parts:
        for id_raw, unit_key, *rest in con.execute(sql).fetchall():
            bucket = out[(id_raw, unit_key)][source]
            if len(bucket) < EVIDENCE_ROWS:
                bucket.append(
                    _row_dict(("行号", "单位名称", "姓名", "问题"), tuple(rest))
                )
    return out


def _r10_evidence(con, ctx) -> dict:
    paid = (
        "LEFT JOIN (SELECT unit_key, count(DISTINCT id) AS n, round(sum(net), 2) AS total "
        "FROM paid GROUP BY unit_key) p ON p.unit_key = f.unit_key"
        if ctx.has_pay
        else "LEFT JOIN (SELECT NULL AS unit_key, NULL AS n, NULL AS total WHERE false) p "
        "ON p.unit_key = f.unit_key"
    )
    # rend holds one row per person: count(*) is count(DISTINCT id) there.
    rows = con.execute(
        "SELECT f.unit_key, r.n_all, r.n_tf, o.n_pub, o.n_own, a.approved, a.approved_tf, "
        "p.n, p.total FROM (SELECT DISTINCT unit_key FROM F WHERE rule = 'R10') f "
        "LEFT JOIN (SELECT unit_key, count(*) AS n_all, count(*) "
        "FILTER (WHERE tongfa) AS n_tf FROM rend WHERE at_end GROUP BY unit_key) r "
        "ON r.unit_key = f.unit_key LEFT JOIN (SELECT unit_key, count(DISTINCT id) FILTER "
        "(WHERE public) AS n_pub, count(DISTINCT id) FILTER (WHERE NOT public) AS n_own "
        "FROM offq GROUP BY unit_key) o ON o.unit_key = f.unit_key LEFT JOIN (SELECT "
        "unit_key, sum(approved) AS approved, sum(approved) FILTER (WHERE tongfa) AS "
        "approved_tf FROM accts GROUP BY unit_key) a ON a.unit_key = f.unit_key " + paid
    ).fetchall()
    out = {}
    for (
        unit_key,
        n_all,
        n_tf,
        n_pub,
        n_own,
        approved,
        approved_tf,
        n_paid,
        total,
    ) in rows:
        evidence = {
            "roster": [
                _row_dict(
                    (
                        "核定编制数",
                        "其中统发范围核定数",
                        "月末在编人数",
                        "其中统发范围在编",
                        "财政供养编外人员",
                        "自有资金编外人员",
                    ),
                    (
                        approved,
                        approved_tf,
                        n_all or 0,
                        n_tf or 0,
                        n_pub or 0,
                        n_own or 0,
                    ),
                )
            ]
        }
        if ctx.has_pay:
            evidence["payroll"] = [
                _row_dict(("统发发放人数", "实发合计"), (n_paid or 0, total or 0))
            ]
        out[unit_key] = evidence
    return out

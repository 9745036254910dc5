"""Rules R1–R11 of DOMAIN §9 as set-based DuckDB SQL.

Input tables (readers/, roster_db.py): roster, offq, secd, accts, units and,
when given, pay, soc, pop. Every rule inserts into
F(rule, id, unit_key, person_name, explanation); R6's name scoring runs in
Python on the residue only (engine.py).

Definitions (DOMAIN §9, with the decisions taken here):
- paid: a payroll row of type 在编 or 编外 with 实发 > 0 and a valid ID;
- insured: a social-insurance row of the month with status 正常缴费;
- a person's roster units = units of their postings in the month, plus the
  host units of secondments overlapping the month ("allowed" units); a file
  roster row whose 进入本单位时间 falls in the month is a transfer-in whose
  previous (unknown) unit may still pay or insure that month ("flex");
- the person's roster unit for a finding = their latest posting's unit.
Near misses that are NOT findings: traditional vs simplified names (R6),
a transfer within the month paid by the old unit (R7, R10), a secondment
covering the month (R7, R8, R10), 迁出 (R3), self-funded staff absent from
the 统发 payroll (R2, R10), a vacancy (R10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

RULES: dict[str, str] = {
    "R1": "统发在册但不在实名制（疑似吃空饷）",
    "R2": "在编统发人员未发工资",
    "R3": "已死亡或注销仍在编或领薪",
    "R4": "已到退休时间或按离退休发放仍在编",
    "R5": "同一人多单位发薪或重复在编",
    "R6": "同一身份号码姓名不一致",
    "R7": "发薪单位与在编单位不一致",
    "R8": "社保参保单位与在编单位不一致",
    "R9": "外部数据身份号码无效",
    "R10": "单位三数不一致",
    "R11": "非统发账户人员领取统发工资",
}
RULE_ORDER = list(RULES)

# Which sources each rule needs (beyond the roster, always present).
NEEDS: dict[str, tuple[str, ...]] = {
    "R1": ("payroll",),
    "R2": ("payroll",),
    "R3": ("population",),
    "R7": ("payroll",),
    "R8": ("social",),
    "R11": ("payroll",),
}
FUNDING_LABEL = "CASE {f} WHEN 'full' THEN '财政拨款' WHEN 'partial' THEN '财政补贴' ELSE '经费自理' END"


@dataclass
class Context:
    first: dt.date
    last: dt.date
    has_pay: bool
    has_soc: bool
    has_pop: bool

    @property
    def f(self) -> str:
        return f"DATE '{self.first}'"

    @property
    def l(self) -> str:  # noqa: E743
        return f"DATE '{self.last}'"


def skipped_rules(ctx: Context) -> list[dict]:
    """Rules (and parts of rules) that cannot run for want of a source."""
    have = {"payroll": ctx.has_pay, "social": ctx.has_soc, "population": ctx.has_pop}
    labels = {"payroll": "工资统发", "social": "社保缴费", "population": "公安人口信息"}
    out = []
    for rule, needs in NEEDS.items():
        missing = [labels[s] for s in needs if not have[s]]
        if missing:
            out.append(
                {
                    "rule": rule,
                    "reason": f"未提供{'、'.join(missing)}数据",
                    "partial": False,
                }
            )
    if not (ctx.has_pay or ctx.has_soc or ctx.has_pop):
        out.append({"rule": "R6", "reason": "未提供任何外部数据", "partial": False})
        out.append({"rule": "R9", "reason": "未提供任何外部数据", "partial": False})
    if not ctx.has_pay:
        out.append(
            {
                "rule": "R4",
                "reason": "未提供工资统发数据，仅比对退休时间",
                "partial": True,
            }
        )
        out.append(
            {
                "rule": "R5",
                "reason": "未提供工资统发数据，仅比对重复在编",
                "partial": True,
            }
        )
        out.append(
            {
                "rule": "R10",
                "reason": "未提供工资统发数据，仅比对实有人数与核定编制数",
                "partial": True,
            }
        )
    out.sort(key=lambda s: RULE_ORDER.index(s["rule"]))
    return out


def unit_maps(con) -> None:
    """Credit code -> unit key and normalised name -> unit key of the
    roster's units; external files' units are matched through these."""
    con.execute(
        "CREATE OR REPLACE TABLE by_uscc AS SELECT uscc, min(unit_key) AS unit_key "
        "FROM units WHERE uscc IS NOT NULL GROUP BY uscc"
    )
    con.execute(
        "CREATE OR REPLACE TABLE by_name AS SELECT unit_n, min(unit_key) AS unit_key "
        "FROM units WHERE unit_n IS NOT NULL GROUP BY unit_n"
    )


def prepare(con, ctx: Context) -> None:
    """Helper tables shared by the rules, and external units mapped to keys."""
    con.execute(
        "CREATE OR REPLACE TABLE F (rule VARCHAR, id VARCHAR, unit_key VARCHAR, "
        "person_name VARCHAR, explanation VARCHAR)"
    )
    # The latest roster row per person; the window runs only over people
    # with several rows (a transfer in the month, a duplicate).
    con.execute(
        "CREATE OR REPLACE TABLE multi AS SELECT id FROM roster GROUP BY id HAVING count(*) > 1"
    )
    con.execute(
        "CREATE OR REPLACE TABLE rend AS SELECT * FROM roster WHERE id NOT IN "
        "(SELECT id FROM multi) UNION ALL SELECT * FROM (SELECT * FROM roster WHERE id IN "
        "(SELECT id FROM multi) QUALIFY row_number() OVER (PARTITION BY id ORDER BY "
        "coalesce(start_d, DATE '1900-01-01') DESC, at_end DESC, unit_key, line) = 1)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE allowed AS SELECT DISTINCT id, unit_key FROM roster "
        "UNION SELECT id, host_key FROM secd"
    )
    con.execute(
        "CREATE OR REPLACE TABLE flex AS SELECT DISTINCT id FROM roster "
        f"WHERE entered_d BETWEEN {ctx.f} AND {ctx.l}"
    )
    parts = [
        "SELECT unit_key, unit_id, unit_name, uscc, unit_n FROM units",
        "SELECT DISTINCT unit_key, unit_id, unit_name, uscc, NULL FROM roster",
        "SELECT DISTINCT unit_key, unit_id, unit_name, NULL, NULL FROM offq",
    ]
    if ctx.has_pay:
        parts.append(
            "SELECT m_unit_key, NULL, m_unit_name, m_uscc, m_unit_n FROM payroll_units"
        )
    if ctx.has_soc:
        parts.append(
            "SELECT m_unit_key, NULL, m_unit_name, m_uscc, m_unit_n FROM social_units"
        )
    # unit_ref: the unit's identity across months and roster sources (credit
    # code, else normalised name): the unit part of a finding's review key.
    con.execute(
        "CREATE OR REPLACE TABLE unitinfo AS SELECT unit_key, max(unit_id) AS unit_id, "
        "min(unit_name) AS unit_name, coalesce(min(uscc), 'N:' || min(unit_n), unit_key) "
        f"AS unit_ref FROM ({' UNION ALL '.join(parts)}) GROUP BY unit_key"
    )
    if ctx.has_pay:
        con.execute(
            "CREATE OR REPLACE TABLE paid AS SELECT id, unit_key, sum(net) AS net, "
            "min(unit_name) AS unit_name, min(name_raw) AS name_raw FROM pay "
            "WHERE problem IS NULL AND kind IN ('在编', '编外') AND net > 0 "
            "GROUP BY id, unit_key"
        )


def _insert(con, sql: str) -> None:
    con.execute(f"INSERT INTO F {sql}")


def run(con, ctx: Context) -> None:
    """Insert the findings of every rule whose sources are present (not R6)."""
    if ctx.has_pay:
        _r1(con, ctx)
        _r2(con, ctx)
        _r7(con, ctx)
        _r11(con, ctx)
    if ctx.has_pop:
        _r3(con, ctx)
    if ctx.has_soc:
        _r8(con, ctx)
    _r4(con, ctx)
    _r5(con, ctx)
    _r9(con, ctx)
    _r10(con, ctx)


def _r1(con, ctx):
    _insert(
        con,
        "SELECT 'R1', p.id, p.unit_key, p.name_raw, format('在「{}」领取统发工资（实发{:.2f}元），"
        "但既不在实名制人员中，也未登记为编外人员（疑似吃空饷）', p.unit_name, "
        "round(p.net, 2)) FROM paid p WHERE p.id NOT IN (SELECT id FROM roster) "
        "AND p.id NOT IN (SELECT id FROM offq)",
    )


def _r2(con, ctx):
    _insert(
        con,
        "SELECT 'R2', r.id, r.unit_key, r.name_raw, format('在「{}」{}账户在编，属统发范围，"
        "本月工资统发中没有其实发记录', r.unit_name, "
        + FUNDING_LABEL.format(f="r.funding")
        + ") FROM rend r WHERE r.tongfa AND r.id IN (SELECT id FROM roster GROUP BY id "
        f"HAVING min(coalesce(start_d, {ctx.f})) <= {ctx.f} AND "
        f"max(coalesce(end_d, DATE '9999-12-31')) > {ctx.l}) "
        "AND r.id NOT IN (SELECT id FROM paid)",
    )


def _r3(con, ctx):
    paid = (
        f"LEFT JOIN (SELECT d.id, min(p.unit_key) AS unit_key FROM dead d JOIN paid p "
        f"ON p.id = d.id WHERE d.changed_on IS NULL OR d.changed_on < {ctx.f} "
        "GROUP BY d.id) onp ON onp.id = d.id"
        if ctx.has_pay
        else "LEFT JOIN (SELECT NULL AS id, NULL AS unit_key WHERE false) onp ON onp.id = d.id"
    )
    _insert(
        con,
        "WITH dead AS (SELECT id, min(status) AS status, min(changed_on) AS changed_on, "
        "min(name_raw) AS name_raw FROM pop WHERE problem IS NULL AND status IN "
        "('死亡', '注销') GROUP BY id), onr AS (SELECT DISTINCT d.id FROM dead d "
        "JOIN roster r ON r.id = d.id WHERE d.changed_on IS NULL OR "
        "coalesce(r.end_d, DATE '9999-12-31') > d.changed_on) "
        "SELECT 'R3', d.id, coalesce(re.unit_key, onp.unit_key, ''), "
        "coalesce(re.name_raw, d.name_raw), format('公安人口信息记载该人已{}（{}），但{}', "
        "d.status, coalesce(strftime(d.changed_on, '%Y-%m-%d'), '日期不详'), "
        "concat_ws('，', CASE WHEN onr.id IS NOT NULL THEN '仍在实名制人员中' END, "
        "CASE WHEN onp.id IS NOT NULL THEN '本月仍领取统发工资' END)) "
        f"FROM dead d LEFT JOIN onr ON onr.id = d.id {paid} "
        "LEFT JOIN rend re ON re.id = d.id WHERE onr.id IS NOT NULL OR onp.id IS NOT NULL",
    )


def _r4(con, ctx):
    if ctx.has_pay:
        ret = (
            "LEFT JOIN (SELECT id, min(unit_name) AS unit_name FROM pay WHERE problem IS NULL "
            "AND kind = '离退休' GROUP BY id) ret ON ret.id = r.id"
        )
    else:
        ret = "LEFT JOIN (SELECT NULL AS id, NULL AS unit_name WHERE false) ret ON ret.id = r.id"
    _insert(
        con,
        "SELECT 'R4', r.id, r.unit_key, r.name_raw, concat_ws('；', "
        "CASE WHEN past.id IS NOT NULL THEN format('退休时间为{}，仍在「{}」在编', "
        "strftime(past.retire_d, '%Y年%m月'), r.unit_name) END, "
        "CASE WHEN ret.id IS NOT NULL THEN format('工资统发中由「{}」按离退休人员发放，"
        "但仍在实名制人员中', ret.unit_name) END) FROM rend r "
        "LEFT JOIN (SELECT id, min(retire_d) AS retire_d FROM roster WHERE retire_d <= "
        f"{ctx.l} AND (end_d IS NULL OR end_d > retire_d) GROUP BY id) past "
        f"ON past.id = r.id {ret} WHERE past.id IS NOT NULL OR ret.id IS NOT NULL",
    )


def _r5(con, ctx):
    multi = (
        "LEFT JOIN (SELECT p.id, count(DISTINCT p.unit_key) AS n, "
        "string_agg(DISTINCT p.unit_name, '、') AS names, min(p.unit_key) AS first_unit, "
        "min(p.name_raw) AS name_raw FROM paid p LEFT JOIN (SELECT DISTINCT id, unit_key "
        "FROM roster) rr ON rr.id = p.id AND rr.unit_key = p.unit_key WHERE p.id IN "
        "(SELECT id FROM paid GROUP BY id HAVING count(*) >= 2) GROUP BY p.id "
        "HAVING count(DISTINCT p.unit_key) >= 2 AND NOT bool_and(rr.id IS NOT NULL)) m "
        "ON m.id = k.id"
        if ctx.has_pay
        else "LEFT JOIN (SELECT NULL AS id, 0 AS n, NULL AS names, NULL AS first_unit, "
        "NULL AS name_raw WHERE false) m ON m.id = k.id"
    )
    _insert(
        con,
        "WITH mr AS (SELECT * FROM roster WHERE id IN (SELECT id FROM multi)), "
        "twice AS (SELECT a.id, string_agg(DISTINCT a.unit_name, '、') AS names FROM "
        "mr a JOIN mr b ON a.id = b.id AND (a.account_key, coalesce(a.start_d, "
        f"{ctx.f}), a.unit_key, coalesce(a.line, 0)) < (b.account_key, coalesce(b.start_d, "
        f"{ctx.f}), b.unit_key, coalesce(b.line, 0)) "
        f"AND coalesce(a.start_d, {ctx.f}) < coalesce(b.end_d, DATE '9999-12-31') "
        f"AND coalesce(b.start_d, {ctx.f}) < coalesce(a.end_d, DATE '9999-12-31') "
        "GROUP BY a.id), "
        "k AS (SELECT id FROM twice"
        + (
            " UNION SELECT id FROM paid GROUP BY id HAVING count(*) >= 2"
            if ctx.has_pay
            else ""
        )
        + ") SELECT 'R5', k.id, coalesce(r.unit_key, m.first_unit), "
        "coalesce(r.name_raw, m.name_raw), concat_ws('；', CASE WHEN m.id IS NOT NULL THEN "
        "format('本月由{}个单位发放统发工资（{}）', m.n, m.names) END, CASE WHEN t.id IS NOT "
        "NULL THEN format('在实名制人员中重复出现（{}）', t.names) END) FROM k "
        f"{multi} LEFT JOIN twice t ON t.id = k.id LEFT JOIN rend r ON r.id = k.id "
        "WHERE m.id IS NOT NULL OR t.id IS NOT NULL",
    )


def _r7(con, ctx):
    # The payers' names are aggregated only for the few people found (an
    # aggregate over every paid person costs more than the rule itself).
    _insert(
        con,
        "WITH pp AS (SELECT p.id, p.unit_name, a.id IS NOT NULL AS ok FROM paid p "
        "JOIN rend r ON r.id = p.id LEFT JOIN allowed a ON a.id = p.id AND "
        "a.unit_key = p.unit_key WHERE p.id NOT IN (SELECT id FROM flex)), "
        "bad AS (SELECT id FROM pp GROUP BY id HAVING NOT bool_or(ok)), "
        "wrong AS (SELECT id, string_agg(DISTINCT unit_name, '、') AS payers FROM paid "
        "WHERE id IN (SELECT id FROM bad) GROUP BY id) "
        "SELECT 'R7', r.id, r.unit_key, r.name_raw, format('实名制在编单位为「{}」，本月由"
        "「{}」发放统发工资，且无覆盖本月的借调审批', r.unit_name, w.payers) FROM wrong w "
        "JOIN rend r ON r.id = w.id",
    )


def _r8(con, ctx):
    _insert(
        con,
        "WITH s AS (SELECT id, unit_key, unit_name FROM soc WHERE problem IS NULL AND "
        "status = 'normal' AND id IN (SELECT id FROM roster)), "
        "bad AS (SELECT s.id FROM s LEFT JOIN allowed a ON a.id = s.id AND "
        "a.unit_key = s.unit_key GROUP BY s.id HAVING NOT bool_or(a.id IS NOT NULL)), "
        "i AS (SELECT id, string_agg(DISTINCT unit_name, '、') AS employers FROM s "
        "WHERE id IN (SELECT id FROM bad) AND id NOT IN (SELECT id FROM flex) GROUP BY id) "
        "SELECT 'R8', r.id, r.unit_key, r.name_raw, format('实名制在编单位为「{}」，本月正常"
        "缴费的参保单位为「{}」', r.unit_name, i.employers) FROM i JOIN rend r ON "
        "r.id = i.id",
    )


def _r9(con, ctx):
    parts = []
    if ctx.has_pay:
        parts.append(
            "SELECT '工资统发' AS src, line, id_raw, name_raw, unit_key, problem FROM pay"
        )
    if ctx.has_soc:
        parts.append(
            "SELECT '社保缴费' AS src, line, id_raw, name_raw, unit_key, problem FROM soc"
        )
    if ctx.has_pop:
        parts.append(
            "SELECT '公安人口信息' AS src, line, id_raw, name_raw, '' AS unit_key, "
            "problem FROM pop"
        )
    if not parts:
        return
    _insert(
        con,
        "SELECT 'R9', coalesce(id_raw, ''), unit_key, min(name_raw), "
        "format('{}中的公民身份号码「{}」无效：{}（{}）', string_agg(DISTINCT src, '、'), "
        "coalesce(id_raw, ''), min(problem), string_agg(src || '第' || line || '行', '、' "
        f"ORDER BY src, line)) FROM ({' UNION ALL '.join(parts)}) WHERE problem IS NOT NULL "
        "GROUP BY coalesce(id_raw, ''), unit_key",
    )


def _r10(con, ctx):
    if ctx.has_pay:
        paid_part = (
            ", released AS (SELECT id FROM roster GROUP BY id HAVING NOT bool_or(at_end)), "
            "nontf AS (SELECT id FROM rend WHERE NOT tongfa AND id NOT IN "
            "(SELECT id FROM roster WHERE tongfa)), "
            "attr AS (SELECT DISTINCT p.id, CASE WHEN r.id IS NOT NULL AND (a.id IS NOT NULL "
            "OR f.id IS NOT NULL) THEN r.unit_key ELSE p.unit_key END AS unit_key FROM paid p "
            "LEFT JOIN rend r ON r.id = p.id LEFT JOIN allowed a ON a.id = p.id AND "
            "a.unit_key = p.unit_key LEFT JOIN flex f ON f.id = p.id WHERE p.id NOT IN "
            "(SELECT id FROM released) AND p.id NOT IN (SELECT id FROM nontf)), "
            "pd AS (SELECT unit_key, count(*) AS n FROM attr GROUP BY unit_key)"
        )
        mismatch = "coalesce(pd.n, 0) <> coalesce(occ.n, 0) + coalesce(offp.n, 0)"
        pd_union = " UNION SELECT unit_key FROM pd"
        pd_join = "LEFT JOIN pd ON pd.unit_key = u.unit_key"
    else:
        paid_part, mismatch, pd_union = "", "false", ""
        pd_join = "LEFT JOIN (SELECT NULL AS unit_key, 0 AS n WHERE false) pd ON pd.unit_key = u.unit_key"
    _insert(
        con,
        "WITH occ AS (SELECT unit_key, count(*) AS n FROM rend WHERE at_end AND "
        "tongfa GROUP BY unit_key), offp AS (SELECT unit_key, count(DISTINCT id) AS n FROM "
        "offq WHERE public GROUP BY unit_key), "
        "ao AS (SELECT account_key, count(DISTINCT id) AS n FROM roster WHERE at_end "
        "GROUP BY account_key), "
        "over AS (SELECT a.unit_key, string_agg(format('{}（{}）核定{}名、实有{}人', "
        "coalesce(c.name, a.category), "
        + FUNDING_LABEL.format(f="a.funding")
        + ", a.approved, ao.n), '；') AS txt FROM accts a JOIN ao ON ao.account_key = "
        "a.account_key LEFT JOIN catnames c ON c.code = a.category "
        "WHERE a.approved IS NOT NULL AND ao.n > a.approved GROUP BY a.unit_key)"
        + paid_part
        + ", u AS (SELECT unit_key FROM occ UNION SELECT unit_key FROM offp UNION "
        f"SELECT unit_key FROM over{pd_union}) "
        "SELECT 'R10', '', u.unit_key, '', concat_ws('；', CASE WHEN over.unit_key IS NOT "
        "NULL THEN '实有人数超过核定编制数：' || over.txt END, CASE WHEN "
        f"{mismatch} THEN format('统发范围内在编{{}}人、财政供养编外{{}}人，合计{{}}人；"
        "本月统发工资发放{}人', coalesce(occ.n, 0), coalesce(offp.n, 0), coalesce(occ.n, 0) "
        "+ coalesce(offp.n, 0), coalesce(pd.n, 0)) END) FROM u LEFT JOIN occ ON occ.unit_key "
        "= u.unit_key LEFT JOIN offp ON offp.unit_key = u.unit_key LEFT JOIN over ON "
        f"over.unit_key = u.unit_key {pd_join} WHERE over.unit_key IS NOT NULL OR {mismatch}",
    )


def _r11(con, ctx):
    _insert(
        con,
        "WITH p AS (SELECT id, string_agg(DISTINCT unit_name, '、') AS payers FROM paid "
        "WHERE id IN (SELECT id FROM rend WHERE NOT tongfa UNION ALL SELECT id FROM offq "
        "WHERE NOT public) GROUP BY id) SELECT 'R11', r.id, r.unit_key, r.name_raw, format('所在编制账户经费形式"
        "为{}，不属统发范围，本月却由「{}」发放统发工资', "
        + FUNDING_LABEL.format(f="r.funding")
        + ", p.payers) FROM rend r JOIN p ON p.id = r.id WHERE NOT r.tongfa AND r.id NOT IN "
        "(SELECT id FROM roster WHERE tongfa) "
        "UNION ALL SELECT 'R11', o.id, o.unit_key, o.name_raw, format('编外人员经费来源为"
        "单位自有资金，本月却由「{}」发放统发工资', p.payers) FROM (SELECT id, "
        "min(unit_key) AS unit_key, min(name_raw) AS name_raw FROM offq GROUP BY id HAVING "
        "NOT bool_or(public)) o JOIN p ON p.id = o.id WHERE o.id NOT IN (SELECT id FROM roster)",
    )


def name_residue(con, ctx: Context) -> list[tuple]:
    """(id, source, name_raw, unit_key, priority) of the names of every ID
    whose SQL-normalised names differ between sources (R6 scores these in
    Python). The reference is the roster's name, else the registry's; each
    source is hash-joined with the reference instead of stacking all rows."""
    sources = []
    if ctx.has_pop:
        sources.append(("population", 2, "pop", "NULL"))
    if ctx.has_pay:
        sources.append(("payroll", 3, "pay", "t.unit_key"))
    if ctx.has_soc:
        sources.append(("social", 4, "soc", "t.unit_key"))
    if not sources:
        return []
    ref = "SELECT id, name_n, name_raw, unit_key, 1 AS pr, 'roster' AS src FROM rend"
    if ctx.has_pop:
        ref += (
            " UNION ALL SELECT id, min(name_n), min(name_raw), NULL, 2, 'population' "
            "FROM pop WHERE problem IS NULL AND name_n <> '' AND id NOT IN "
            "(SELECT id FROM rend) GROUP BY id"
        )
    con.execute(f"CREATE OR REPLACE TABLE nref AS {ref}")
    diffs = " UNION ".join(
        f"SELECT t.id FROM {table} t JOIN nref n ON n.id = t.id WHERE t.problem IS NULL "
        f"AND t.name_n <> '' AND t.name_n <> n.name_n AND n.src <> '{src}'"
        for src, _pr, table, _unit in sources
    )
    con.execute(f"CREATE OR REPLACE TABLE ndiff AS {diffs}")
    parts = [
        "SELECT id, 'roster' AS src, name_raw, unit_key, 1 AS pr FROM rend "
        "WHERE id IN (SELECT id FROM ndiff)"
    ]
    for src, pr, table, unit in sources:
        parts.append(
            f"SELECT t.id, '{src}', t.name_raw, {unit}, {pr} FROM {table} t "
            "WHERE t.problem IS NULL AND t.name_n <> '' AND t.id IN (SELECT id FROM ndiff)"
        )
    return con.execute(
        f"SELECT DISTINCT * FROM ({' UNION ALL '.join(parts)}) ORDER BY 1, 5"
    ).fetchall()

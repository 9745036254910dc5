"""Normalisation of ID numbers, names and unit keys — in DuckDB SQL for the
millions of rows, and in Python for the residue.

ID numbers (DOMAIN §3.4): trimmed, full-width to half-width, lowercase x to
X, 15-digit legacy numbers converted to 18 (insert "19", add the GB 11643
check digit), then checked: length/pattern, check digit, birth date, region
code in the national table at any time (core.codes.national_region, asked
once per distinct 6-digit prefix, not per row).

Names: whitespace and full-width removed in SQL; traditional → simplified
(OpenCC t2s) only for the pairs whose SQL-normalised names still differ —
the converter is pure Python (~20 µs a name), so it never runs over a
whole file.
"""

from __future__ import annotations

import datetime as dt
import functools

import duckdb

from bianzhi.core.codes import national_region

# Full-width ASCII, the ideographic / no-break spaces and tabs become ASCII;
# the zero-width characters at the end (no counterpart) are deleted.
_FULL = (
    "".join(chr(c) for c in range(0xFF01, 0xFF5F))
    + "\u3000\u00a0\t"
    + "\u200b\u200c\u200d\ufeff"
)
_HALF = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + "   "
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_DIGITS = "'0123456789'"
_QUOTES = "'''\u2018\u2019`'"  # leading quote marks Excel users type to force text


_PY_TABLE: dict[int, int | None] = {
    ord(a): (ord(_HALF[i]) if i < len(_HALF) else None) for i, a in enumerate(_FULL)
}


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def install_macros(con: duckdb.DuckDBPyConnection, *, today: dt.date) -> None:
    """Define the SQL macros the readers and rules use on `con`.

    Per-row cost matters at millions of rows: translate() costs per
    character of its table, so it runs only on values that contain a
    full-width or special space character at all; digit checks use
    translate(x, digits, '') = '' rather than regular expressions.
    """
    total = " + ".join(
        f"CAST(substr(s, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(_WEIGHTS)
    )
    con.execute(
        "CREATE OR REPLACE MACRO hw(x) AS CASE WHEN strlen(x) = length(x) THEN x "
        "WHEN regexp_matches(x, "
        "'[\\x{FF01}-\\x{FF5E}\\x{3000}\\x{00A0}\\t\\x{200B}-\\x{200D}\\x{FEFF}]') THEN "
        f"translate(x, {_sql_literal(_FULL)}, {_sql_literal(_HALF)}) ELSE x END"
    )
    con.execute(
        "CREATE OR REPLACE MACRO chk(s) AS "
        f"substr('10X98765432', (({total}) % 11) + 1, 1)"
    )
    # Raw cell -> cleaned text (no validation yet); '' for empty.
    con.execute(
        "CREATE OR REPLACE MACRO id_clean(x) AS "
        f"upper(ltrim(replace(coalesce(hw(x), ''), ' ', ''), {_QUOTES}))"
    )
    con.execute(
        "CREATE OR REPLACE MACRO id18(x) AS CASE "
        f"WHEN length(x) = 15 AND translate(x, {_DIGITS}, '') = '' THEN "
        "substr(x, 1, 6) || '19' || substr(x, 7, 9) "
        "|| chk(substr(x, 1, 6) || '19' || substr(x, 7, 9)) ELSE x END"
    )
    # Raw cell -> 18-character candidate. Almost every cell is already 18
    # ASCII digits (last may be X): one regular-expression match skips the
    # cleaning (full-width, spaces, quotes, upper-casing) for those.
    con.execute(
        "CREATE OR REPLACE MACRO id_norm(x) AS CASE "
        "WHEN regexp_full_match(x, '[0-9]{17}[0-9X]') THEN x "
        "ELSE id18(id_clean(x)) END"
    )
    # The check digit from the first 17 digits as one BIGINT `n` (integer
    # arithmetic is several times cheaper than 17 substrings); callers pass n
    # computed once in a subquery.
    digits = " + ".join(
        f"((n // {10 ** (16 - i)}) % 10) * {w}" for i, w in enumerate(_WEIGHTS)
    )
    con.execute(
        "CREATE OR REPLACE MACRO chk_n(n) AS "
        f"substr('10X98765432', (({digits}) % 11) + 1, 1)"
    )
    # The problem of an ID candidate x (n = its first 17 digits), NULL when
    # it passes; the region check follows separately, per distinct prefix.
    con.execute(
        "CREATE OR REPLACE MACRO id_problem2(x, n) AS CASE "
        "WHEN x = '' THEN '公民身份号码为空' "
        "WHEN length(x) <> 18 OR n IS NULL OR substr(x, 1, 1) IN ('+', '-') "
        "OR translate(substr(x, 18, 1), '0123456789X', '') <> '' "
        "THEN '应为18位（末位可为X）' "
        "WHEN chk_n(n) <> substr(x, 18, 1) THEN '校验位错误' "
        "WHEN TRY_CAST(substr(x, 7, 4) || '-' || substr(x, 11, 2) || '-' "
        "|| substr(x, 13, 2) AS DATE) IS NULL "
        f"OR substr(x, 7, 8) > '{today:%Y%m%d}' OR substr(x, 7, 4) < '1900' "
        "THEN '出生日期无效' ELSE NULL END"
    )
    con.execute(
        "CREATE OR REPLACE MACRO id_problem(x) AS "
        "id_problem2(x, TRY_CAST(substr(x, 1, 17) AS BIGINT))"
    )
    con.execute(
        # Cheap on purpose: names differing only in full-width characters or
        # unusual spaces reach the Python residue, whose simplified() removes them.
        "CREATE OR REPLACE MACRO name_norm(x) AS "
        "replace(replace(trim(coalesce(x, '')), ' ', ''), '\u3000', '')"
    )
    # Display text (names as written, unit names, statuses): trimmed only.
    con.execute("CREATE OR REPLACE MACRO text_norm(x) AS nullif(trim(x), '')")
    con.execute(
        "CREATE OR REPLACE MACRO unit_norm(x) AS "
        "nullif(replace(coalesce(hw(x), ''), ' ', ''), '')"
    )
    con.execute(
        "CREATE OR REPLACE MACRO uscc_norm(x) AS "
        "nullif(upper(replace(coalesce(hw(x), ''), ' ', '')), '')"
    )
    con.execute(
        "CREATE OR REPLACE MACRO amount(x) AS TRY_CAST(nullif(regexp_replace("
        "coalesce(hw(x), ''), '[\\s,¥￥元]', '', 'g'), '') AS DOUBLE)"
    )


def mark_bad_regions(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Set `problem` on rows of `table` whose region code is not in the
    national table (checked once per distinct prefix)."""
    prefixes = [
        row[0]
        for row in con.execute(
            f"SELECT DISTINCT substr(id, 1, 6) FROM {table} WHERE problem IS NULL"
        ).fetchall()
    ]
    bad = [p for p in prefixes if national_region(p) is None]
    if not bad:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _bad_regions (p VARCHAR)")
    con.execute("INSERT INTO _bad_regions SELECT unnest($1)", [bad])
    con.execute(
        f"UPDATE {table} SET problem = '地址码不在国家行政区划代码表中' "
        "WHERE problem IS NULL AND substr(id, 1, 6) IN (SELECT p FROM _bad_regions)"
    )


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=65536)
def simplified(name: str) -> str:
    """A name after SQL-equivalent normalisation and traditional → simplified."""
    text = "".join(name.translate(_PY_TABLE).split())
    return _t2s().convert(text)


def name_score(a: str, b: str) -> str | None:
    """None when the names are the same person's after normalisation, else
    "likely_typo" (one character differs: substituted, added or dropped) or
    "different" (possibly a different person)."""
    x, y = simplified(a or ""), simplified(b or "")
    if x == y:
        return None
    if _one_edit(x, y):
        return "likely_typo"
    return "different"


def _one_edit(x: str, y: str) -> bool:
    if abs(len(x) - len(y)) > 1:
        return False
    if len(x) == len(y):
        return sum(1 for p, q in zip(x, y, strict=True) if p != q) == 1
    if len(x) > len(y):
        x, y = y, x
    for i in range(len(y)):
        if y[:i] + y[i + 1 :] == x:
            return True
    return False


def install_roster_macros(con: duckdb.DuckDBPyConnection) -> None:
    """retire_date(gender, identity, post_type, birth): the base retirement
    date of roster.retirement (DOMAIN §3.5) in SQL — first day of the
    retirement month; recorded exceptions are applied afterwards in Python
    for the few people who have them (database roster only)."""
    con.execute(
        "CREATE OR REPLACE MACRO _scheme(gender, identity, post_type) AS CASE "
        "WHEN gender = 'M' THEN 0 "
        "WHEN identity = 'logistics_worker' THEN 2 "
        "WHEN identity = 'institution_staff' AND post_type = 'skilled_worker' THEN 2 "
        "ELSE 1 END"
    )
    # (base years, first delayed birth month index, step, max delay) per scheme.
    con.execute("CREATE OR REPLACE MACRO _bidx(b) AS year(b) * 12 + month(b) - 1")
    con.execute(
        "CREATE OR REPLACE MACRO _ridx(s, b) AS _bidx(b) + "
        "[60, 55, 50][s + 1] * 12 + CASE WHEN _bidx(b) - [1965, 1970, 1975][s + 1] * 12 < 0 "
        "THEN 0 ELSE least((_bidx(b) - [1965, 1970, 1975][s + 1] * 12) // [4, 4, 2][s + 1] + 1, "
        "[36, 36, 60][s + 1]) END"
    )
    con.execute(
        "CREATE OR REPLACE MACRO retire_date(gender, identity, post_type, b) AS "
        "make_date(CAST(_ridx(_scheme(gender, identity, post_type), b) // 12 AS BIGINT), "
        "CAST(_ridx(_scheme(gender, identity, post_type), b) % 12 + 1 AS BIGINT), 1)"
    )

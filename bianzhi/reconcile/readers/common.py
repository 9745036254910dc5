"""Staging of one input file into DuckDB, streamed.

exchange.readers.open_table resolves the header (aliases, title rows,
stacked headers, encodings) exactly as the importers do; the rows themselves
are then loaded without Python touching each one where possible:
- CSV: DuckDB's read_csv over the file (GB18030/GBK files are first
  transcoded to a UTF-8 temporary file in 1 MB chunks), all columns as text,
  skipping the rows above the header; memory stays flat for a 1 GB file;
- xlsx: python-calamine's rows (one sheet in memory, as the importers do),
  written to a temporary UTF-8 CSV that DuckDB reads the same way.
The staged table `raw_<source>` holds the schema keys as VARCHAR; `line`
(an expression) gives the row number the user sees (approximate for CSVs
with blank lines, which DuckDB skips).
"""

from __future__ import annotations

import codecs
import csv
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.exchange import cells
from bianzhi.exchange.readers import open_table
from bianzhi.exchange.readers_csv import _delimiter
from bianzhi.exchange.schemas import Schema, normalise_header

_CHUNK = 1 << 20
_TOTALS = "^(合计|总计|小计|共计|填表人|制表人|填报人|审核人|负责人|单位负责人|填表日期|填报日期|制表日期)"
Progress = Callable[[str, int], None]


@dataclass
class Staged:
    source: str
    filename: str
    sha256: str
    size: int
    format: str
    table: str  # raw_<source>
    line: str  # SQL expression of the user-visible row number
    keys: tuple[str, ...]  # schema keys present in the file
    headers: dict[str, str]
    rows: int = 0  # data rows kept after normalisation (set by the reader)
    invalid: int = 0  # roster file: rows left out for an invalid ID number


def max_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "RECONCILE_MAX_BYTES", 8 * 1024**3))


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    target = workdir / f"{path.stem}.utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as src, target.open("wb") as out:
        while chunk := src.read(_CHUNK):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return target


def _width(path: Path, encoding: str, delimiter: str, header_line: int) -> int:
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        for cells_ in reader:
            if reader.line_num >= header_line:
                return len(cells_)
    return 0


def _read_csv_sql(
    path: Path, delimiter: str, skip: int, width: int, parallel: bool
) -> str:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    quoted = str(path).replace("'", "''")
    delim = delimiter.replace("'", "''")
    return (
        f"read_csv('{quoted}', header=false, skip={skip}, delim='{delim}', "
        "quote='\"', escape='\"', null_padding=true, strict_mode=false, "
        f"auto_detect=false, parallel={'true' if parallel else 'false'}, "
        f"columns={columns})"
    )


def stage(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    path: str | Path,
    schema: Schema,
    workdir: Path,
    filename: str | None = None,
    opened: Future | None = None,
) -> Staged:
    """Open `path` for `schema` and load its rows into raw_<source>.

    `opened`: the CSV already opened by prefetch() (header resolved, hashed)."""
    path = Path(path)
    table = opened.result() if opened is not None else None
    if table is None or table.format != "csv":
        table = open_table(path, schema, max_bytes=max_bytes())
    keys = tuple(k for k in schema.keys if k in table.letters)
    name = f"raw_{source}"
    staged = Staged(
        source=source,
        filename=filename or path.name,
        sha256=table.sha256,
        size=table.size,
        format=table.format,
        table=name,
        line="",
        keys=keys,
        headers=dict(table.headers),
    )
    if table.format == "csv":
        _stage_csv(con, path, table, schema, staged)
    else:
        _stage_rows(con, table, schema, staged, workdir)
    return staged


def prefetch(
    executor: Executor, path: Path, name: str, schema: Schema
) -> Future | None:
    """Open a CSV source in a background thread (encoding detection, SHA-256
    and header resolution read the whole file in C code), so that it overlaps
    DuckDB's work on the sources before it. xlsx files are opened where they
    are read (the workbook object stays on one thread)."""
    if path.suffix.lower() != ".csv" and not name.lower().endswith(".csv"):
        return None
    return executor.submit(open_table, path, schema, max_bytes=max_bytes())


def _index(letter: str) -> int:
    number = 0
    for char in letter:
        number = number * 26 + (ord(char) - 64)
    return number - 1


def _stage_csv(con, path: Path, table, schema: Schema, staged: Staged) -> None:
    encoding = table.encoding or "utf-8"
    source_path = path
    workdir = Path(tempfile.mkdtemp(prefix="reconcile-"))
    try:
        if encoding not in ("utf-8", "utf-8-sig"):
            source_path = _transcode(path, encoding, workdir)
            encoding = "utf-8"
        with source_path.open("r", encoding=encoding, newline="") as handle:
            delimiter = _delimiter(handle.read(1 << 15))
        width = _width(source_path, encoding, delimiter, table.header_line)
        width = max(width, max(_index(v) for v in table.letters.values()) + 1)
        select = ", ".join(
            f"c{_index(table.letters[key])} AS {key}" for key in staged.keys
        )
        # rowid must follow the file's line order only while the raw table is
        # written; every later statement may reorder freely (cheaper, less memory).
        con.execute("SET preserve_insertion_order = true")
        for parallel in (True, False):
            try:
                con.execute(
                    f"CREATE OR REPLACE TABLE {staged.table} AS SELECT {select} FROM "
                    + _read_csv_sql(
                        source_path, delimiter, table.header_line, width, parallel
                    )
                )
                break
            except duckdb.Error as exc:
                if parallel and "parallel" in str(exc):
                    continue  # quoted line breaks: the serial reader copes
                raise ApplicationError(
                    ErrorCode.FILE_UNREADABLE, f"无法按 CSV 解析：{str(exc)[:200]}"
                ) from None
    finally:
        con.execute("SET preserve_insertion_order = false")
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()
    staged.line = f"(r.rowid + {table.header_line + 1})"
    _refuse_numeric_ids(con, staged, schema)


def _stage_rows(con, table, schema: Schema, staged: Staged, workdir: Path) -> None:
    """xlsx: calamine rows -> temporary UTF-8 CSV -> DuckDB."""
    target = workdir / f"{staged.source}.rows.csv"
    id_errors: list[str] = []
    header = schema.header_of("id_number")
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", *staged.keys])
        for row in table.rows:
            out: list[object] = [row.line]
            for key in staged.keys:
                value = row.values.get(key)
                if key == "id_number":
                    try:
                        value = cells.id_number_cell(value)
                    except ApplicationError as exc:
                        if len(id_errors) < 5:
                            id_errors.append(
                                f"第{row.line}行「{header}」：{exc.detail}"
                            )
                        value = ""
                else:
                    value = cells.text(value)
                out.append(value)
            writer.writerow(out)
    if id_errors:
        raise ApplicationError(ErrorCode.ID_INVALID, "；".join(id_errors))
    quoted = str(target).replace("'", "''")
    con.execute(
        f"CREATE OR REPLACE TABLE {staged.table} AS SELECT * FROM read_csv('{quoted}', "
        "header=true, all_varchar=true, quote='\"', escape='\"', parallel=false)"
    )
    staged.line = "CAST(r.line AS BIGINT)"
    os.unlink(target)


def _refuse_numeric_ids(con, staged: Staged, schema: Schema) -> None:
    """IDs stored as Excel numbers (1.10105E+17, 110105199003071234.0) have
    lost digits: the file is refused, never guessed (exchange/cells.py)."""
    rows = con.execute(
        f"SELECT {staged.line}, id_number FROM {staged.table} r WHERE "
        "regexp_matches(id_number, '[.．eEｅＥ]') AND ("
        "regexp_full_match(trim(hw(id_number)), '[+-]?[0-9]+(\\.[0-9]*)?[eE][+-]?[0-9]+') "
        "OR regexp_full_match(trim(hw(id_number)), '[0-9]{6,}\\.[0-9]*')) LIMIT 5"
    ).fetchall()
    if rows:
        header = schema.header_of("id_number")
        detail = "；".join(
            f"第{line}行「{header}」值「{value}」：{cells.ID_AS_NUMBER}"
            for line, value in rows
        )
        raise ApplicationError(ErrorCode.ID_INVALID, detail)


def skip_condition(staged: Staged, schema: Schema) -> str:
    """SQL condition true for rows that are no data: blank, totals/signature
    lines, a header repeated mid-file. Rows with an ID cell are data unless
    the cell is a header word, so the regular expressions run only on the
    few rows without one."""
    words = set()
    for key in staged.keys:
        column = schema.column(key)
        for text in (column.header, *column.aliases):
            words.add(text)
            words.add(normalise_header(text))
    listed = ", ".join("'" + w.replace("'", "''") + "'" for w in sorted(words))
    text_keys = [
        k for k in staged.keys if k not in ("net", "gross", "base", "approved")
    ]
    totals = " OR ".join(
        f"regexp_matches(replace(coalesce({k}, ''), ' ', ''), '{_TOTALS}')"
        for k in text_keys
    )
    # Nearly every data row's ID cell starts with an ASCII digit, which no
    # header word or totals line does: decided by one byte comparison before
    # the costlier trimming and list lookup.
    digit = (
        "WHEN id_number >= '0' AND id_number < ':' THEN false "
        if not any(w[:1].isascii() and w[:1].isdigit() for w in words)
        else ""
    )
    return (
        f"(CASE {digit}WHEN nullif(trim(coalesce(id_number, '')), '') IS NULL THEN "
        f"(nullif(trim(coalesce(name, '')), '') IS NULL OR {totals}) "
        f"ELSE replace(trim(id_number), ' ', '') IN ({listed}) END)"
    )


def ensure_columns(con, staged: Staged, schema: Schema) -> None:
    """Add the schema keys absent from the file as NULL columns, so the SQL
    that follows can name every key."""
    for key in schema.keys:
        if key not in staged.keys:
            con.execute(f"ALTER TABLE {staged.table} ADD COLUMN {key} VARCHAR")


def unit_map(con, staged: Staged) -> str:
    """A small table <source>_units: each distinct (unit name, credit code)
    of the file as written, its normalised forms and its unit key (the
    roster's unit with that credit code, else with that name, else an
    external "X:" key). Normalising distinct values only keeps the costly
    full-width handling off the millions of rows; the rows join it on the
    raw values. Needs the roster's by_uscc / by_name tables."""
    name = f"{staged.source}_units"
    con.execute(
        f"CREATE OR REPLACE TABLE {name} AS SELECT u_raw, c_raw, text_norm(u_raw) AS m_unit_name, "
        "uscc_norm(c_raw) AS m_uscc, unit_norm(u_raw) AS m_unit_n FROM (SELECT DISTINCT "
        f"coalesce(unit_name, '') AS u_raw, coalesce(uscc, '') AS c_raw FROM {staged.table})"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {name} AS SELECT m.*, coalesce(bu.unit_key, bn.unit_key, "
        "'X:' || coalesce(m.m_uscc, m.m_unit_n, '?')) AS m_unit_key FROM "
        f"{name} m LEFT JOIN by_uscc bu ON bu.uscc = m.m_uscc "
        "LEFT JOIN by_name bn ON bn.unit_n = m.m_unit_n"
    )
    return (
        f"LEFT JOIN {name} m ON m.u_raw = coalesce(r.unit_name, '') "
        "AND m.c_raw = coalesce(r.uscc, '')"
    )


def mark_problems(con, table: str, *, known: str | None = None) -> None:
    """problem := the ID's problem, written only on the (few) bad rows.

    Each distinct ID is checked once; IDs in the table `known` (the
    roster's valid IDs) are not checked again."""
    skip = f"WHERE id NOT IN (SELECT id FROM {known})" if known else ""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _bad AS SELECT id, id_problem2(id, n) AS problem "
        "FROM (SELECT id, TRY_CAST(substr(id, 1, 17) AS BIGINT) AS n FROM "
        f"(SELECT DISTINCT id FROM {table} {skip})) WHERE id_problem2(id, n) IS NOT NULL"
    )
    con.execute(
        f"UPDATE {table} SET problem = _bad.problem FROM _bad WHERE {table}.id = _bad.id"
    )

"""Fixed-shape statements for the hot write paths (enrollment, movements, audit).

Why: building a QuerySet and compiling it costs 100–300 µs of Python per
statement, several times the statement itself (bench/enroll.py,
bench/ledger.py). The services that run thousands of times a minute read and
write their rows through these helpers instead. They are driven by the
model's metadata (column lists, database converters, pre_save/get_db_prep_save
of each field), so a model change needs no edit here; only the WHERE clauses
are written by the callers, with %s parameters.

What the ORM would do and these helpers keep:
- values pass through each field's pre_save (auto_now / auto_now_add) and
  get_db_prep_save, and come back through the backend's and the field's
  converters, so instances are exactly what the ORM would build;
- `lock=True` appends FOR UPDATE where the backend has it (PostgreSQL). On
  SQLite the IMMEDIATE transaction already holds the write lock.
Signals are not sent (the project has no receivers; see ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model


class _Shape:
    """Per model and connection: columns, converters and statement heads."""

    def __init__(self, model: type[Model], conn) -> None:
        opts = model._meta
        qn = conn.ops.quote_name
        self.model = model
        self.table = qn(opts.db_table)
        self.fields = list(opts.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.select_head = (
            f"SELECT {', '.join(f'{self.table}.{qn(f.column)}' for f in self.fields)}"
            f" FROM {self.table}"
        )
        self.converters = []
        self.by_attname: dict[str, tuple] = {}
        for index, f in enumerate(self.fields):
            col = f.get_col(opts.db_table)
            found = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
            self.by_attname[f.attname] = (qn(f.column), col, found)
            if found:
                self.converters.append((index, found, col))
        self.pk = opts.pk
        self.auto_pk = self.pk.get_internal_type() in (
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
        )
        self.insert_fields = [f for f in self.fields if not f.primary_key]
        self.preparers = [_preparer(f) for f in self.insert_fields]
        self.insert_head = (
            f"INSERT INTO {self.table} "
            f"({', '.join(qn(f.column) for f in self.insert_fields)}) VALUES "
        )
        self.row_marks = f"({', '.join(['%s'] * len(self.insert_fields))})"
        self.returning = (
            f" RETURNING {self.table}.{qn(self.pk.column)}"
            if conn.features.can_return_columns_from_insert
            else ""
        )
        self.lock = " FOR UPDATE" if conn.features.has_select_for_update else ""

    def convert(self, row, conn) -> list:
        values = list(row)
        for index, functions, col in self.converters:
            value = values[index]
            for fn in functions:
                value = fn(value, col, conn)
            values[index] = value
        return values


def _conn():
    # The thread's own wrapper (django.db.connection is a proxy shared by all).
    return connections[DEFAULT_DB_ALIAS]


def cursor(conn=None):
    """A cursor of the thread's connection, reused from one statement to the next.

    Creating Django's cursor wrapper costs about as much as running a short
    statement on SQLite. A new one is made when the connection was reopened,
    and whenever queries are being logged (DEBUG, CaptureQueriesContext), so
    logging sees every statement exactly as with conn.cursor().
    """
    conn = conn or _conn()
    if conn.queries_logged:
        return conn.cursor()
    cached = conn.__dict__.get("_bianzhi_cursor")
    if cached is None or cached[0] is not conn.connection or cached[0] is None:
        wrapper = conn.cursor()
        conn.__dict__["_bianzhi_cursor"] = (conn.connection, wrapper)
        return wrapper
    return cached[1]


def shape(model: type[Model], conn=None) -> _Shape:
    conn = conn or _conn()
    cache = conn.__dict__.setdefault("_bianzhi_fastsql", {})
    found = cache.get(model)
    if found is None:
        found = cache[model] = _Shape(model, conn)
    return found


def select(
    model: type[Model],
    where: str,
    params: list | tuple = (),
    *,
    lock: bool = False,
    order_by: str = "",
    limit: int | None = None,
) -> list:
    """Instances of `model` WHERE `where` (columns unqualified or table-qualified)."""
    conn = _conn()
    s = shape(model, conn)
    sql = f"{s.select_head} WHERE {where}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if lock:
        sql += s.lock
    cur = cursor(conn)
    cur.execute(sql, params)
    rows = cur.fetchall()
    db = conn.alias
    return [model.from_db(db, s.attnames, s.convert(row, conn)) for row in rows]


def select_one(model: type[Model], where: str, params=(), *, lock: bool = False):
    found = select(model, where, params, lock=lock, limit=1)
    return found[0] if found else None


_PLAIN = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "PositiveBigIntegerField": int,
    "AutoField": int,
    "BigAutoField": int,
    "SmallAutoField": int,
    "BooleanField": bool,
}


def _preparer(field) -> tuple:
    """(attname, field, plain type or None, whether pre_save is the plain read,
    the integer type the backend adapts or None).

    For a value of exactly the plain type (or None), get_db_prep_save returns
    it unchanged — integers of IntegerField and its kin only through the
    backend's adapt_integerfield_value (PostgreSQL types them) — so the ORM's
    chain of per-field calls is skipped.
    """
    target = field.target_field if field.is_relation else field
    internal = target.get_internal_type()
    plain = _PLAIN.get(internal)
    plain_read = type(field).pre_save is Field.pre_save
    adapts = plain is int and "Auto" not in internal
    return field.attname, field, plain, plain_read, internal if adapts else None


def _params(s: _Shape, instance: Model, conn) -> list:
    values = instance.__dict__
    adapt = conn.ops.adapt_integerfield_value
    out = []
    for attname, field, plain, plain_read, integer in s.preparers:
        if not plain_read:
            out.append(field.get_db_prep_save(field.pre_save(instance, True), conn))
            continue
        value = values[attname] if attname in values else getattr(instance, attname)
        if plain is not None and (value is None or type(value) is plain):
            out.append(adapt(value, integer) if integer else value)
        else:
            out.append(field.get_db_prep_save(value, conn))
    return out


def _adopt(instance: Model, pk: Any, conn) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = conn.alias


def insert_statement(instance: Model) -> tuple[str, list]:
    """(sql, params) of insert(instance), RETURNING the pk where the backend
    can — for a caller that composes it into a larger statement."""
    conn = _conn()
    s = shape(type(instance), conn)
    if not s.auto_pk:
        raise ValueError("fastsql.insert writes rows with a generated primary key")
    return s.insert_head + s.row_marks + s.returning, _params(s, instance, conn)


def adopt(instance: Model, pk: Any) -> None:
    """Mark `instance` saved with `pk` (after insert_statement ran)."""
    _adopt(instance, pk, _conn())


def insert(instance: Model, *, ignore_conflicts: bool = False) -> bool:
    """INSERT one row (the pk comes back into the instance).

    `ignore_conflicts`: ON CONFLICT DO NOTHING — returns False (and leaves the
    instance unsaved) when a unique constraint already holds such a row.
    """
    conn = _conn()
    s = shape(type(instance), conn)
    if not s.auto_pk:
        raise ValueError("fastsql.insert writes rows with a generated primary key")
    sql = s.insert_head + s.row_marks
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    cur = cursor(conn)
    cur.execute(sql + s.returning, _params(s, instance, conn))
    if s.returning:
        row = cur.fetchone()
        if row is None:
            return False
        pk = row[0]
    else:
        if ignore_conflicts and cur.rowcount == 0:
            return False
        pk = cur.lastrowid
    _adopt(instance, pk, conn)
    return True


def insert_many(instances: list[Model]) -> None:
    """One multi-row INSERT; pks come back in row order.

    Generated ids grow in row order within one statement (a sequence or
    SQLite's rowid), so the returned ids, sorted, match the rows even where
    the backend returns them unordered.
    """
    if len(instances) <= 1 or not shape(type(instances[0])).returning:
        for instance in instances:
            insert(instance)
        return
    conn = _conn()
    s = shape(type(instances[0]), conn)
    params: list = []
    for instance in instances:
        params += _params(s, instance, conn)
    sql = s.insert_head + ", ".join([s.row_marks] * len(instances)) + s.returning
    cur = cursor(conn)
    cur.execute(sql, params)
    pks = sorted(row[0] for row in cur.fetchall())
    for instance, pk in zip(instances, pks, strict=True):
        _adopt(instance, pk, conn)


def update(
    model: type[Model],
    assignments: str,
    where: str,
    params: list | tuple = (),
    *,
    returning: tuple[str, ...] = (),
) -> int | list[dict]:
    """UPDATE table SET assignments WHERE where.

    Returns the row count, or with `returning` (attnames) the updated rows'
    values (converted as the ORM would) — a conditional UPDATE then tells both
    whether it matched and the new counters in one statement.
    """
    conn = _conn()
    s = shape(model, conn)
    sql = f"UPDATE {s.table} SET {assignments} WHERE {where}"
    if returning:
        meta = [s.by_attname[name] for name in returning]
        sql += f" RETURNING {', '.join(column for column, _, _ in meta)}"
    cur = cursor(conn)
    cur.execute(sql, params)
    if not returning:
        return cur.rowcount
    rows = cur.fetchall()
    out = []
    for row in rows:
        values = {}
        for name, (_, col, functions), value in zip(returning, meta, row, strict=True):
            for fn in functions:
                value = fn(value, col, conn)
            values[name] = value
        out.append(values)
    return out


def prep(model: type[Model], attname: str, value: Any) -> Any:
    """A parameter for a raw statement, as the field would store it."""
    field = shape(model).by_attname[attname][1].target
    return field.get_db_prep_save(value, _conn())


def column(model: type[Model], attname: str) -> str:
    """The quoted column of a field (for WHERE clauses written by callers)."""
    return shape(model).by_attname[attname][0]

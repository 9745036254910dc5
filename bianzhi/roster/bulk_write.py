"""The writes of the bulk path (roster.bulk): rows inserted many at a time,
pks read back, model validation with a fast path, and the audit events of a
batch appended to the chain in chunks.

Why a module of its own: at 200,000 rows the ORM's per-row machinery
(Model.__init__, per-field get_db_prep_save, full_clean, JSON round trips)
cost more than the rules themselves (bench/import_roster.py). Everything here
produces what the ORM would: the row parameters come from core.fastsql's
per-field preparers (pre_save and get_db_prep_save where a value is not a
plain str/int/bool), and the audit chain is core.audit's — the same canonical
form and HMAC, computed by audit's own functions — so `bianzhi audit verify`
checks bulk events exactly like single ones.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

from bianzhi.core import audit, fastsql
from bianzhi.core.actor import Actor
from bianzhi.core.context import client_addr
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.keys import audit_key
from bianzhi.core.models import AuditEvent

from .bulk_audit import EventEncoder

CHUNK = 5000
BATCH = 2000


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Inserter:
    """INSERT of many rows of one model: executemany on SQLite (one prepared
    statement, reused); COPY … FROM STDIN on PostgreSQL — the server's bulk
    path: no statement text to build and parse per thousand rows, the same
    constraints, indexes and errors (a unique violation still raises
    IntegrityError, translated as Django translates its own statements).
    While statements are logged (DEBUG, CaptureQueriesContext), PostgreSQL
    takes multi-row VALUES lists through the logging cursor instead, so the
    log sees every row written."""

    def __init__(self, shape, conn) -> None:
        self.conn, self.shape = conn, shape
        postgres = conn.vendor == "postgresql"
        self.copy = postgres and not conn.queries_logged
        self.multi = postgres and not self.copy
        width = len(shape.insert_fields)
        self.per_statement = max(1, min(BATCH, 60000 // width))  # 65535 params
        self.cursor = conn.cursor()
        qn = conn.ops.quote_name
        columns = ", ".join(qn(f.column) for f in shape.insert_fields)
        self.copy_sql = f"COPY {shape.table} ({columns}) FROM STDIN"

    def __call__(self, rows: list[list]) -> None:
        shape, cursor = self.shape, self.cursor
        if self.copy:
            with self.conn.wrap_database_errors:
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            return
        if not self.multi:
            cursor.executemany(shape.insert_head + shape.row_marks, rows)
            return
        step = self.per_statement
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            sql = shape.insert_head + ", ".join([shape.row_marks] * len(part))
            cursor.execute(sql, [value for row in part for value in row])

    def close(self) -> None:
        self.cursor.close()


def insert_rows(model: type[models.Model], objs: list) -> None:
    """bulk_create's rows, many per statement (_Inserter): the ORM's per-row
    SQL compilation dominated the load at 200,000 rows. Values are prepared as
    the ORM prepares them (fastsql's per-field preparers). Pks are not
    returned (see fetch_pks)."""
    if not objs:
        return
    conn = fastsql._conn()
    shape = fastsql.shape(model, conn)
    adapt_date, adapt_int = (
        conn.ops.adapt_datefield_value,
        conn.ops.adapt_integerfield_value,
    )
    # fastsql's per-field preparers, plus two exact shortcuts for what they
    # hand to get_db_prep_save: a str subclass (TextChoices member) in a text
    # field is stored as it is, and a DateField's date goes straight to the
    # backend's adapt_datefield_value — both what those fields' own
    # get_db_prep_save return.
    preparers = []
    for attname, f, plain, plain_read, integer in shape.preparers:
        date = plain_read and f.get_internal_type() == "DateField"
        preparers.append((attname, f, plain, plain_read, integer, date))

    def params(obj) -> list:
        values = obj.__dict__
        out = []
        for attname, f, plain, plain_read, integer, date in preparers:
            if not plain_read:
                out.append(f.get_db_prep_save(f.pre_save(obj, True), conn))
                continue
            value = values[attname] if attname in values else getattr(obj, attname)
            kind = type(value)
            if plain is not None and (value is None or kind is plain):
                out.append(adapt_int(value, integer) if integer else value)
            elif date and kind is dt.date:
                out.append(adapt_date(value))
            elif plain is str and isinstance(value, str):
                out.append(value)
            else:
                out.append(f.get_db_prep_save(value, conn))
        return out

    insert = _Inserter(shape, conn)
    try:
        for chunk in chunks(objs, BATCH):
            insert([params(obj) for obj in chunk])
    finally:
        insert.close()


# pre_save methods that read the attribute unless auto_now/auto_now_add is set.
_READ_PRE_SAVES = (models.DateField.pre_save, models.DateTimeField.pre_save)


class ValueRows:
    """INSERT of rows given as plain dicts (attname → value, every insert
    column but the auto_now ones): insert_rows without model instances, for
    the rows of a load that are built rather than read (new persons, their
    postings). Values are prepared exactly as insert_rows prepares them; the
    auto_now/auto_now_add timestamps take `now` (one instant for the load)."""

    def __init__(self, model: type[models.Model], *, now: dt.datetime) -> None:
        conn = self.conn = fastsql._conn()
        self.shape = fastsql.shape(model, conn)
        self.adapt_date = conn.ops.adapt_datefield_value
        self.adapt_int = conn.ops.adapt_integerfield_value
        self.slots = []
        for attname, f, plain, plain_read, integer in self.shape.preparers:
            constant = NOT_PROVIDED
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                constant = f.get_db_prep_save(now, conn)
            elif not plain_read and type(f).pre_save not in _READ_PRE_SAVES:
                raise ValueError(f"{model.__name__}.{attname}: needs pre_save")
            # Without auto_now, a date field's pre_save is the plain read.
            date = f.get_internal_type() == "DateField"
            self.slots.append((attname, f, plain, integer, date, constant))

    @property
    def attnames(self) -> list[str]:
        """The column order of a row given as a tuple (see params)."""
        return [slot[0] for slot in self.slots]

    def params(self, values: dict | tuple) -> list:
        """A row's parameters; `values` by attname, or a tuple in attnames
        order (the auto_now positions are ignored)."""
        conn, adapt_date, adapt_int = self.conn, self.adapt_date, self.adapt_int
        if type(values) is not tuple:
            values = tuple(
                values[slot[0]] if slot[5] is NOT_PROVIDED else None
                for slot in self.slots
            )
        out = []
        for (_attname, f, plain, integer, date, constant), value in zip(
            self.slots, values, strict=True
        ):
            if constant is not NOT_PROVIDED:
                out.append(constant)
                continue
            kind = type(value)
            if plain is not None and (value is None or kind is plain):
                out.append(adapt_int(value, integer) if integer else value)
            elif date and kind is dt.date:
                out.append(adapt_date(value))
            elif plain is str and isinstance(value, str):
                out.append(value)
            else:
                out.append(f.get_db_prep_save(value, conn))
        return out

    def insert(self, rows: Iterable[dict | tuple]) -> int:
        """Insert every row (BATCH per statement); returns how many."""
        insert = _Inserter(self.shape, self.conn)
        done, batch = 0, []
        try:
            for values in rows:
                batch.append(self.params(values))
                if len(batch) >= BATCH:
                    insert(batch)
                    done += len(batch)
                    batch = []
            if batch:
                insert(batch)
                done += len(batch)
        finally:
            insert.close()
        return done


@contextlib.contextmanager
def sqlite_cache(mib: int = 128):
    """A larger SQLite page cache for the writes of a load.

    SQLite's default cache is 2 MB; a city's load inserts 200,000 persons and
    postings into some twenty indexes on random keys (ID numbers, names,
    dates), whose pages then go back and forth to the OS for every row —
    the inserts were a quarter of the load's CPU (bench/import_roster.py).
    The pages are allocated only as they are used, and freed when the size
    is set back. PostgreSQL: nothing to do (shared_buffers is the server's).
    """
    conn = fastsql._conn()
    if conn.vendor != "sqlite":
        yield
        return
    cursor = fastsql.cursor(conn)
    cursor.execute("PRAGMA cache_size")
    before = int(cursor.fetchone()[0])
    cursor.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")
    try:
        yield
    finally:
        fastsql.cursor(conn).execute(f"PRAGMA cache_size = {before}")


def max_pk(model) -> int:
    """The highest pk of the table now (0 when empty): rows inserted after
    this, in this transaction, all have higher generated pks (a sequence or
    SQLite's rowid only grows)."""
    s = fastsql.shape(model)
    cursor = fastsql.cursor()
    cursor.execute(
        f"SELECT MAX({s.table}.{fastsql.column(model, s.pk.attname)}) FROM {s.table}"
    )
    return cursor.fetchone()[0] or 0


def pks_after(model, key: str, after: int, where: str = "") -> dict:
    """{key value: pk} of the rows with a pk above `after` (see max_pk): the
    rows this load inserted, read back with one range scan of the primary
    key instead of IN lists of their keys. Rows of other transactions that
    committed meanwhile may be among them; callers look up their own keys."""
    s = fastsql.shape(model)
    pk, column = fastsql.column(model, s.pk.attname), fastsql.column(model, key)
    sql = f"SELECT {column}, {pk} FROM {s.table} WHERE {pk} > %s"
    if where:
        sql += f" AND {where}"
    cursor = fastsql.cursor()
    cursor.execute(sql, [after])
    return dict(cursor.fetchall())


def fetch_pks(model, objs: list, key: str, attr: str, **filters) -> None:
    """Read back the pks of rows insert_rows wrote, by a unique key."""
    by_key = {getattr(obj, attr): obj for obj in objs}
    for chunk in chunks(list(by_key)):
        found = model.objects.filter(**{f"{key}__in": chunk}, **filters).values_list(
            key, "pk"
        )
        for value, pk in found:
            obj = by_key[value]
            obj.pk = pk
            obj._state.adding = False
    missing = [obj for obj in objs if obj.pk is None]
    if missing:
        raise RuntimeError(f"{model.__name__}: {len(missing)} rows not read back")


def full_clean(instance, *, exclude: list[str] | None = None) -> None:
    """services_common.save's validation, without the save."""
    try:
        instance.full_clean(
            exclude=exclude, validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "；".join(messages),
            field=None if name == "__all__" else name,
        ) from None


class FastClean:
    """full_clean for many instances of one model with no clean() of its own.

    A field's validation depends only on its value, so a (field, value) that
    passed once passes again: values of coded fields (choices, value-set
    validators, dates) are remembered; free text is checked for what
    CharField/TextField's own validators check (length, NUL). Anything not
    proven valid that way — or any instance at all when the model defines
    clean() — goes through the real full_clean, which then raises exactly the
    error (and field) it always raised.
    """

    def __init__(self, model: type[models.Model]) -> None:
        # Relations are validated against the database: those models always
        # take the real full_clean.
        self.model_clean = model.clean is not models.Model.clean or any(
            f.is_relation for f in model._meta.concrete_fields
        )
        self.fields = []
        for f in model._meta.concrete_fields:
            if f.primary_key or not f.editable:
                continue
            simple = isinstance(f, models.CharField | models.TextField) and not (
                f.choices or f.validators[len(f.default_validators) :]
            )
            extra = [
                v
                for v in f.validators
                if type(v).__name__
                not in ("MaxLengthValidator", "ProhibitNullCharactersValidator")
            ]
            simple = simple and not extra
            self.fields.append((f.attname, f, simple, f.max_length))
        self.passed: set = set()

    def __call__(self, instance) -> None:
        if self.model_clean or not self._valid(instance.__dict__, instance):
            full_clean(instance)

    def values(self, values: dict, build: Callable[[], models.Model]) -> None:
        """The same check of a row given as attname → value (every field);
        the instance is built only when the real full_clean must decide."""
        if self.model_clean or not self._valid(values, None):
            full_clean(build())

    def _valid(self, values: dict, instance) -> bool:
        passed = self.passed
        for attname, f, simple, max_length in self.fields:
            value = values.get(attname, NOT_PROVIDED)
            if value is NOT_PROVIDED:
                return False
            if simple and type(value) is str:
                if not value and not f.blank:
                    return False
                if max_length is not None and len(value) > max_length:
                    return False
                if "\x00" in value:
                    return False
                continue
            key = (attname, type(value), value)
            try:
                if key in passed:
                    continue
            except TypeError:  # unhashable: let Django decide
                return False
            try:
                f.clean(value, instance)
            except ValidationError:
                return False
            passed.add(key)
        return True


def change(label: str, pk, before: dict | None, after: dict | None) -> dict:
    """audit.change for an int pk, without its JSON round trip of the pk
    (identical output: jsonable(int) is the int)."""
    return {"model": label, "pk": pk, "before": before, "after": after}


def record_many(
    *,
    actor: Actor,
    operation: str,
    events: Iterable[tuple[list[dict], str]],
    doc_no: str = "",
    batch_id: str = "",
    native: bool = False,
) -> int:
    """Append many events (records, summary) — core.audit.record's chain,
    computed under one lock of the head and inserted BATCH at a time, so a
    city's 200,000 events are never all in memory. Returns how many.

    records must be JSON-native (dicts with str keys, lists, str, int, float,
    bool, None — what audit.snapshot/change produce): they are hashed as they
    are, which equals the hash of what the database gives back. Anything else
    makes the canonical encoder raise rather than hash something else.
    `native`: the caller guarantees there are no floats either; the events
    are then encoded by roster.bulk_audit (orjson, same bytes).
    Must be the last write of the caller's transaction, like audit.record.
    """
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("record_many must be called inside the service transaction")
    key = audit_key()
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""
    cursor = fastsql.cursor(conn)
    seq, head_hash = audit._lock_head(cursor, lock)
    audit.defer_index_merge()
    prev = head_hash or audit.GENESIS
    now, addr, alg = timezone.now(), client_addr(), audit._preferred_alg()
    shape = fastsql.shape(AuditEvent, conn)
    fields = {f.attname: f for f in shape.insert_fields}
    prepare_records = fields["records"].get_db_prep_save
    doc_no = doc_no or ""
    fixed = {
        "occurred_at": fields["occurred_at"].get_db_prep_save(now, conn),
        "actor_id": actor.user_id,
        "actor_name": actor.name,
        "role": actor.role,
        "scope": actor.scope,
        "operation": operation,
        "doc_no": doc_no,
        "client_addr": addr,
        "batch_id": batch_id,
        "hash_alg": alg,
    }
    encoder = EventEncoder(
        occurred_at=now, actor_id=actor.user_id, actor_name=actor.name,
        role=actor.role, scope=actor.scope, operation=operation, doc_no=doc_no,
        client_addr=addr, batch_id=batch_id, vendor=conn.vendor, native=native,
    )  # fmt: skip
    order = list(fields)
    digest = audit._digest_bytes
    written = 0
    batch: list[list] = []
    insert = _Inserter(shape, conn)
    try:
        for records, summary in events:
            seq += 1
            summary = summary[:300]
            canonical, stored = encoder.canonical(seq, summary, records)
            hash_ = digest(alg, key, prev, canonical)
            row = dict(
                fixed,
                seq=seq,
                summary=summary,
                records=(prepare_records(records, conn) if stored is None else stored),
                prev_hash=prev,
                hash=hash_,
            )
            batch.append([row[name] for name in order])
            prev = hash_
            written += 1
            if len(batch) >= BATCH:
                insert(batch)
                batch = []
        if batch:
            insert(batch)
    finally:
        insert.close()
    if written:
        cursor.execute(
            f"UPDATE {audit._HEAD} SET seq = %s, hash = %s WHERE id = 1", [seq, prev]
        )
    return written

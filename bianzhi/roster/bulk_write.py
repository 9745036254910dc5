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

import datetime as dt
from collections.abc import Iterable

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

CHUNK = 5000
BATCH = 2000


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Inserter:
    """INSERT of many rows of one model: executemany on SQLite (one prepared
    statement, reused), multi-row VALUES lists on PostgreSQL (one round trip
    and one plan per thousand rows instead of per row)."""

    def __init__(self, shape, conn) -> None:
        self.conn, self.shape = conn, shape
        # Not while statements are logged (DEBUG): the log would keep each
        # statement's full text, megabytes per thousand rows.
        self.multi = conn.vendor == "postgresql" and not conn.queries_logged
        width = len(shape.insert_fields)
        self.per_statement = max(1, min(BATCH, 60000 // width))  # 65535 params
        self.cursor = conn.cursor()

    def __call__(self, rows: list[list]) -> None:
        shape, cursor = self.shape, self.cursor
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
        if self.model_clean or not self._valid(instance):
            full_clean(instance)

    def _valid(self, instance) -> bool:
        values = instance.__dict__
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
) -> int:
    """Append many events (records, summary) — core.audit.record's chain,
    computed under one lock of the head and inserted BATCH at a time, so a
    city's 200,000 events are never all in memory. Returns how many.

    records must be JSON-native (dicts with str keys, lists, str, int, float,
    bool, None — what audit.snapshot/change produce): they are hashed as they
    are, which equals the hash of what the database gives back. Anything else
    makes the canonical encoder raise rather than hash something else.
    Must be the last write of the caller's transaction, like audit.record.
    """
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("record_many must be called inside the service transaction")
    key = audit_key()
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""
    cursor = fastsql.cursor(conn)
    seq, head_hash = audit._lock_head(cursor, lock)
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
    order = list(fields)
    digest, canonical = audit._digest, audit._canonical_of
    written = 0
    batch: list[list] = []
    insert = _Inserter(shape, conn)
    try:
        for records, summary in events:
            seq += 1
            summary = summary[:300]
            text = canonical(
                seq, now, actor.user_id, actor.name, actor.role, actor.scope,
                operation, doc_no, addr, batch_id, summary, records,
            )  # fmt: skip
            hash_ = digest(alg, key, prev, text)
            row = dict(
                fixed,
                seq=seq,
                summary=summary,
                records=prepare_records(records, conn),
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

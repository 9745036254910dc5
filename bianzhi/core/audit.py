"""The keyed audit chain: append, verify, signed checkpoints (DOMAIN §3.6).

Each event's hash = HMAC(key, prev_hash | canonical(event)). SM3 is used where
the platform's OpenSSL has it, SHA-256 otherwise; the algorithm is stored per
event so a chain survives a move between machines.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from . import fastsql
from .actor import Actor
from .context import client_addr
from .keys import audit_key, checkpoint_private_key, checkpoint_public_key
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _preferred_alg() -> str:
    return "hmac-sm3" if "sm3" in hashlib.algorithms_available else "hmac-sha256"


def _digest(alg: str, key: bytes, prev_hash: str, canonical: str) -> str:
    return _digest_bytes(alg, key, prev_hash, canonical.encode())


def _digest_bytes(alg: str, key: bytes, prev_hash: str, canonical: bytes) -> str:
    message = prev_hash.encode() + b"|" + canonical
    return hmac.digest(key, message, alg.removeprefix("hmac-")).hex()


def jsonable(value: Any) -> Any:
    """Round-trip through JSON so the hashed form equals what the database returns."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _plain(value: Any) -> Any:
    """jsonable() of one field value, without the round trip for the common types."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool or kind is float:
        return value
    if kind is dt.date:
        return value.isoformat()
    if kind is dt.datetime:
        # DjangoJSONEncoder: milliseconds, "Z" for UTC.
        text = value.isoformat()
        if value.microsecond:
            text = text[:23] + text[26:]
        return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
    if isinstance(value, str):  # TextChoices members and other str subclasses
        return str.__str__(value)
    if kind is list or kind is dict:
        try:
            return _native(value)
        except _NotNative:
            pass
    return jsonable(value)


class _NotNative(Exception):
    pass


def _native(value: Any) -> Any:
    """A copy of JSON-native data (what jsonable would return for it) without the
    round trip; _NotNative for anything else, which jsonable then handles."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool or kind is float:
        return value
    if kind is list:
        return [_native(item) for item in value]
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotNative
            out[key] = _native(item)
        return out
    raise _NotNative


_SNAPSHOT_FIELDS: dict[type, list[tuple[str, str]]] = {}


def _snapshot_fields(model: type[models.Model]) -> list[tuple[str, str]]:
    """(key, attname) as model_to_dict + FK ids would give them, in that order."""
    found = _SNAPSHOT_FIELDS.get(model)
    if found is None:
        opts = model._meta
        if opts.many_to_many or opts.private_fields:
            raise TypeError(f"audit.snapshot: {model.__name__} has m2m/private fields")
        found = [
            (f.name, f.attname)
            for f in opts.concrete_fields
            if f.is_relation or getattr(f, "editable", False)
        ]
        _SNAPSHOT_FIELDS[model] = found
    return found


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict:
    """A JSON-able dict of a model's editable concrete fields, FKs as ids.

    Equal to jsonable(model_to_dict(instance) with each FK replaced by its id),
    built directly: it runs several times per write on the hot paths.
    """
    model = type(instance)
    if model._meta.many_to_many or model._meta.private_fields:
        data = model_to_dict(instance, fields=list(fields) if fields else None)
        for field in model._meta.concrete_fields:
            if field.is_relation and (fields is None or field.name in fields):
                data[field.name] = getattr(instance, field.attname)
        return jsonable(data)
    wanted = set(fields) if fields else None
    values = instance.__dict__
    data = {}
    for name, attname in _snapshot_fields(model):
        if wanted is not None and name not in wanted:
            continue
        value = values[attname] if attname in values else getattr(instance, attname)
        data[name] = _plain(value)
    return data


def change(instance: models.Model, before: dict | None, after: dict | None) -> dict:
    """One changed record for an audit event."""
    return {
        "model": instance._meta.label,
        "pk": jsonable(instance.pk),
        "before": before,
        "after": after,
    }


def _canonical_of(
    seq: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    role: str,
    scope: str,
    operation: str,
    doc_no: str,
    client_addr: str,
    batch_id: str,
    summary: str,
    records: Any,
) -> str:
    body = {
        "seq": seq,
        "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "role": role,
        "scope": scope,
        "operation": operation,
        "doc_no": doc_no,
        "client_addr": client_addr,
        "batch_id": batch_id,
        "summary": summary,
        "records": records,
    }
    return _CANONICAL.encode(body)


# json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
# built once; check_circular=False only skips the cycle bookkeeping (records
# come from JSON, so they have no cycles) and yields the same text.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), check_circular=False
)


def _canonical(event: AuditEvent) -> str:
    return _canonical_of(
        event.seq,
        event.occurred_at,
        event.actor_id,
        event.actor_name,
        event.role,
        event.scope,
        event.operation,
        event.doc_no,
        event.client_addr,
        event.batch_id,
        event.summary,
        event.records,
    )


_HEAD = AuditHead._meta.db_table


def _lock_head(cursor, lock: str) -> tuple[int, str]:
    cursor.execute(f"SELECT seq, hash FROM {_HEAD} WHERE id = 1{lock}")
    row = cursor.fetchone()
    if row is None:
        # The first event of a database: create the head (a concurrent first
        # writer's row wins and is then locked like any other).
        cursor.execute(
            f"INSERT INTO {_HEAD} (id, seq, hash) VALUES (1, 0, '') "
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute(f"SELECT seq, hash FROM {_HEAD} WHERE id = 1{lock}")
        row = cursor.fetchone()
    return row


def defer_index_merge() -> None:
    """For a transaction that appends many events (imports, the demo): on
    PostgreSQL the GIN index of the records (core 0003) queues their entries
    in its pending list instead of merging them event by event; (auto)vacuum
    merges the list later, and searches read it meanwhile."""
    conn = transaction.get_connection()
    if conn.vendor == "postgresql" and conn.in_atomic_block:
        with conn.cursor() as cursor:
            cursor.execute("SET LOCAL gin_pending_list_limit = '1GB'")


def record(
    *,
    actor: Actor,
    operation: str,
    records: list[dict],
    doc_no: str = "",
    batch_id: str = "",
    summary: str = "",
) -> AuditEvent:
    """Append one event. Must run inside the service's transaction, as its last write.

    Three statements: lock the head row, insert the event, move the head (on
    PostgreSQL the last two go in one round trip, as a data-modifying WITH).
    """
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service transaction")
    key = audit_key()
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor.user_id,
        actor_name=actor.name,
        role=actor.role,
        scope=actor.scope,
        operation=operation,
        doc_no=doc_no or "",
        client_addr=client_addr(),
        batch_id=batch_id,
        summary=summary[:300],
        records=_plain(records),
        hash_alg=_preferred_alg(),
    )
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""
    cursor = fastsql.cursor(conn)
    # Locked last by every writer: the short serialization that keeps seq gapless.
    seq, head_hash = _lock_head(cursor, lock)
    event.seq = seq + 1
    event.prev_hash = head_hash or GENESIS
    event.hash = _digest(event.hash_alg, key, event.prev_hash, _canonical(event))
    move_head = f"UPDATE {_HEAD} SET seq = %s, hash = %s WHERE id = 1"
    if conn.vendor == "postgresql":
        insert, params = fastsql.insert_statement(event)
        cursor.execute(
            f"WITH written AS ({insert}) {move_head} "
            "RETURNING (SELECT id FROM written)",
            [*params, event.seq, event.hash],
        )
        fastsql.adopt(event, cursor.fetchone()[0])
    else:
        fastsql.insert(event)
        cursor.execute(move_head, [event.seq, event.hash])
    return event


@dataclass
class ChainReport:
    ok: bool
    head_seq: int
    checked: int
    problems: list[dict]

    @property
    def first_bad_seq(self) -> int | None:
        return self.problems[0].get("seq") if self.problems else None


def verify_chain(checkpoint: dict | None = None, *, workers: int = 1) -> ChainReport:
    """Recompute every hash; report the first broken event, gaps and a cut tail.

    `workers` > 1 verifies a long chain in that many processes (core.chain).
    """
    from .chain import verify

    return verify(checkpoint, workers=workers)


def _checkpoint_payload(seq: int, hash_: str, created_at: str) -> bytes:
    return json.dumps(
        {"seq": seq, "hash": hash_, "created_at": created_at}, sort_keys=True
    ).encode()


def make_checkpoint() -> dict:
    head = AuditHead.objects.filter(pk=1).first()
    seq, hash_ = (head.seq, head.hash) if head else (0, "")
    created_at = timezone.now().isoformat()
    signature = checkpoint_private_key().sign(
        _checkpoint_payload(seq, hash_, created_at)
    )
    return {
        "seq": seq,
        "hash": hash_,
        "created_at": created_at,
        "signature": base64.b64encode(signature).decode(),
        "alg": "ed25519",
    }


def load_checkpoint(data: dict) -> dict:
    """Check a checkpoint's signature with the key outside the database."""
    try:
        payload = _checkpoint_payload(
            int(data["seq"]), data["hash"], data["created_at"]
        )
        checkpoint_public_key().verify(base64.b64decode(data["signature"]), payload)
    except Exception as exc:
        raise ValueError("检查点签名无效或文件已被修改") from exc
    return {"seq": int(data["seq"]), "hash": data["hash"]}

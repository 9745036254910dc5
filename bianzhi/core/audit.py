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

from .actor import Actor
from .context import client_addr
from .keys import audit_key, checkpoint_private_key, checkpoint_public_key
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _preferred_alg() -> str:
    return "hmac-sm3" if "sm3" in hashlib.algorithms_available else "hmac-sha256"


def _digest(alg: str, key: bytes, prev_hash: str, canonical: str) -> str:
    name = alg.removeprefix("hmac-")
    message = prev_hash.encode() + b"|" + canonical.encode()
    return hmac.new(key, message, name).hexdigest()


def jsonable(value: Any) -> Any:
    """Round-trip through JSON so the hashed form equals what the database returns."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict:
    """A JSON-able dict of a model's concrete fields, FKs as ids."""
    data = model_to_dict(instance, fields=list(fields) if fields else None)
    for field in instance._meta.concrete_fields:
        if field.is_relation and (fields is None or field.name in fields):
            data[field.name] = getattr(instance, field.attname)
    return jsonable(data)


def change(instance: models.Model, before: dict | None, after: dict | None) -> dict:
    """One changed record for an audit event."""
    return {
        "model": instance._meta.label,
        "pk": jsonable(instance.pk),
        "before": before,
        "after": after,
    }


def _canonical(event: AuditEvent) -> str:
    body = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "role": event.role,
        "scope": event.scope,
        "operation": event.operation,
        "doc_no": event.doc_no,
        "client_addr": event.client_addr,
        "batch_id": event.batch_id,
        "summary": event.summary,
        "records": event.records,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record(
    *,
    actor: Actor,
    operation: str,
    records: list[dict],
    doc_no: str = "",
    batch_id: str = "",
    summary: str = "",
) -> AuditEvent:
    """Append one event. Must run inside the service's transaction, as its last write."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service transaction")
    key = audit_key()
    # Locked last by every writer: the short serialization that keeps seq gapless.
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        seq=head.seq + 1,
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
        records=jsonable(records),
        hash_alg=_preferred_alg(),
        prev_hash=head.hash or GENESIS,
    )
    event.hash = _digest(event.hash_alg, key, event.prev_hash, _canonical(event))
    event.save(force_insert=True)
    AuditHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
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


def verify_chain(checkpoint: dict | None = None) -> ChainReport:
    """Recompute every hash; report the first broken event, gaps and a cut tail."""
    key = audit_key()
    problems: list[dict] = []
    prev, expected_seq, checked = GENESIS, 1, 0
    seen_checkpoint = False
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000):
        checked += 1
        if event.seq != expected_seq:
            problems.append(
                {
                    "code": "AUDIT_GAP",
                    "seq": expected_seq,
                    "message": f"审计事件缺失：应为第{expected_seq}号，实为第{event.seq}号",
                }
            )
            break
        if event.prev_hash != prev or event.hash != _digest(
            event.hash_alg, key, event.prev_hash, _canonical(event)
        ):
            problems.append(
                {
                    "code": "AUDIT_TAMPERED",
                    "seq": event.seq,
                    "message": f"第{event.seq}号审计事件被篡改或链断裂（{event.operation}）",
                }
            )
            break
        if checkpoint and event.seq == checkpoint["seq"]:
            seen_checkpoint = True
            if event.hash != checkpoint["hash"]:
                problems.append(
                    {
                        "code": "AUDIT_CHECKPOINT_MISMATCH",
                        "seq": event.seq,
                        "message": f"第{event.seq}号审计事件与检查点不一致",
                    }
                )
                break
        prev, expected_seq = event.hash, event.seq + 1
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash or GENESIS) if head else (0, GENESIS)
    # A missing head row with events present is itself a sign of tampering.
    if not problems and (head_seq != expected_seq - 1 or head_hash != prev):
        problems.append(
            {
                "code": "AUDIT_HEAD_MISMATCH",
                "seq": expected_seq,
                "message": f"链头记录（第{head_seq}号）与最后一个事件（第{expected_seq - 1}号）不一致，"
                "尾部事件可能被删除",
            }
        )
    # A checkpoint of the empty chain (seq 0) names no event to look for.
    if not problems and checkpoint and checkpoint["seq"] > 0 and not seen_checkpoint:
        problems.append(
            {
                "code": "AUDIT_TAIL_DELETED",
                "seq": expected_seq,
                "message": f"检查点记录到第{checkpoint['seq']}号，数据库只有到第{expected_seq - 1}号："
                "尾部事件被删除",
            }
        )
    return ChainReport(not problems, head_seq, checked, problems)


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

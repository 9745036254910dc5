"""The audit events of a bulk load, encoded fast (roster.bulk_write.record_many).

At 200,000 events the generic path — core.audit._canonical_of (json.dumps,
sorted keys) for the hash, then the JSONField's own json.dumps for the stored
records — was a third of a city's import (bench/import_roster.py). Here each
event's records are serialized ONCE by orjson, and both forms are built from
those bytes:

- the canonical form (what the HMAC covers) is core.audit's body with the
  event's fixed fields encoded once per batch by audit's own encoder (a
  template split around seq, summary and records), and the per-event parts
  by orjson with sorted keys. For the values a snapshot holds (str, int,
  bool, None, lists, dicts with str keys — no floats: the caller guarantees
  that, see `native`) orjson writes exactly json.dumps(sort_keys=True,
  ensure_ascii=False, separators=(",", ":")): the same escapes (\\uXXXX for
  control characters, nothing else escaped) and the same integers. Whatever
  orjson refuses (an integer beyond 64 bits, a lone surrogate, a key that is
  not a str, a str subclass or any other type) takes audit's own path for
  that event, which encodes it or raises exactly as audit.record would.
  `bianzhi audit verify` recomputes every hash with json.dumps, so any
  difference would show there (tests/roster/test_bulk_audit.py compares the
  two forms byte for byte);
- the stored records: on PostgreSQL the same sorted bytes (jsonb keeps no
  key order or spacing); on SQLite text whose records start as json.dumps
  writes them ('{"model": "roster.Person", "pk": 5, ...'), which is what
  roster.history's text search looks for, with the before/after snapshots
  inside written by orjson. Both read back (json.loads / jsonb) as the same
  value, so verification and every reader see what was hashed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import orjson

from bianzhi.core import audit

# Refuse what json.dumps would write differently or refuse: orjson would
# serialize str/int/dict subclasses, datetimes and dataclasses on its own.
_OPTIONS = (
    orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
_SORTED = _OPTIONS | orjson.OPT_SORT_KEYS
_FALLBACK = (TypeError, orjson.JSONEncodeError)
# Private-use characters: never in a name, doc number or actor of an event
# (checked: the template is used only when each marker occurs exactly once).
_MARKS = {"seq": "\ue000seq", "summary": "\ue000sum", "records": "\ue000rec"}
_RECORD_KEYS = ["model", "pk", "before", "after"]


def _as_is(text: str) -> str:
    return text


class EventEncoder:
    """Canonical bytes and the stored records of the events of one batch
    (same time, actor, operation, doc_no, address and batch id)."""

    def __init__(
        self,
        *,
        occurred_at: dt.datetime,
        actor_id: int | None,
        actor_name: str,
        role: str,
        scope: str,
        operation: str,
        doc_no: str,
        client_addr: str,
        batch_id: str,
        vendor: str,
        native: bool,
    ) -> None:
        self.fixed = (
            occurred_at, actor_id, actor_name, role, scope, operation, doc_no,
            client_addr, batch_id,
        )  # fmt: skip
        self.postgres = vendor == "postgresql"
        if self.postgres:
            from psycopg.types.json import Jsonb  # the backend's own adapter

            self.jsonb = Jsonb
        self.template = self._template() if native else None

    def _template(self) -> tuple | None:
        """(pieces, order): the canonical text cut around the three markers."""
        occurred_at, *rest = self.fixed
        text = audit._canonical_of(
            _MARKS["seq"], occurred_at, *rest, _MARKS["summary"], _MARKS["records"]
        )
        found = []
        for name, mark in _MARKS.items():
            quoted = json.dumps(mark, ensure_ascii=False)
            if text.count(quoted) != 1 or text.count("\ue000") != len(_MARKS):
                return None
            found.append((text.index(quoted), name, quoted))
        found.sort()
        pieces, start = [], 0
        for position, _name, quoted in found:
            pieces.append(text[start:position].encode())
            start = position + len(quoted)
        pieces.append(text[start:].encode())
        return pieces, [name for _p, name, _q in found]

    def canonical(self, seq: int, summary: str, records: list) -> tuple[bytes, Any]:
        """(canonical bytes, the records' value for the database column)."""
        if self.template is not None:
            try:
                parts = {
                    "seq": str(int(seq)).encode(),
                    "summary": orjson.dumps(summary, option=_OPTIONS),
                    "records": orjson.dumps(records, option=_SORTED),
                }
            except _FALLBACK:
                parts = None
            if parts is not None and type(seq) is int:
                pieces, order = self.template
                out = [pieces[0]]
                for name, piece in zip(order, pieces[1:], strict=True):
                    out.append(parts[name])
                    out.append(piece)
                canonical = b"".join(out)
                if self.postgres:
                    return canonical, self.jsonb(
                        parts["records"].decode(), dumps=_as_is
                    )
                return canonical, self._sqlite_text(records)
        occurred_at, *rest = self.fixed
        text = audit._canonical_of(seq, occurred_at, *rest, summary, records)
        return text.encode(), None  # None: the column's own preparation

    def _sqlite_text(self, records: list) -> str | None:
        """The stored JSON text: each record opens as json.dumps writes it."""
        if type(records) is not list:
            return None
        out = []
        try:
            for record in records:
                if (
                    type(record) is dict
                    and list(record) == _RECORD_KEYS
                    and type(record["model"]) is str
                    and type(record["pk"]) is int
                ):
                    out.append(
                        '{"model": ' + json.dumps(record["model"])
                        + ', "pk": ' + str(record["pk"])
                        + ', "before": '
                        + orjson.dumps(record["before"], option=_OPTIONS).decode()
                        + ', "after": '
                        + orjson.dumps(record["after"], option=_OPTIONS).decode()
                        + "}"
                    )  # fmt: skip
                else:
                    out.append(json.dumps(record))
        except _FALLBACK:
            return None
        return "[" + ", ".join(out) + "]"

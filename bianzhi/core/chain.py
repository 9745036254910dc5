"""Verifying the keyed audit chain (audit.verify_chain), fast and in full.

Every event is checked, always: its HMAC over the previous hash and its
canonical form, its link to the event before it, gapless seq, the head row,
and a signed checkpoint when one is given. Verifying is the bulk of
`bianzhi check` at 200,000 persons (one event per enrollment), so:

- rows are read as plain tuples in keyset chunks (no model instances);
- a long chain can be cut into seq ranges verified in parallel processes
  (`workers`). Each range checks its own events and the links inside it;
  the parent then checks the links between ranges (each range's first event
  must follow the previous range's last seq and name its hash as prev_hash),
  in seq order, so the first problem reported is the one a single pass would
  report;
- with orjson installed, the canonical form is first serialized by orjson
  (about 15 times faster than json.dumps). The hash defines the canonical
  form as json.dumps', so orjson's bytes only count when their HMAC matches
  the stored hash — which, the key being secret, means they are exactly the
  bytes the writer hashed. Any other outcome is decided by the json.dumps
  form, as without orjson. The records are always parsed by json (what every
  reader of the database sees); see _hash_matches for why orjson's reading
  can stand in for json's on the fast path.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import multiprocessing
import os
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, transaction

try:  # optional: only speeds verification up (see the module docstring)
    import orjson
except ImportError:  # pragma: no cover - the stdlib path is the reference
    orjson = None

from . import fastsql
from .audit import GENESIS, ChainReport, _canonical_of
from .keys import audit_key
from .models import AuditEvent, AuditHead

COLUMNS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "role",
    "scope",
    "operation",
    "doc_no",
    "client_addr",
    "batch_id",
    "summary",
    "records",
    "hash_alg",
    "prev_hash",
    "hash",
)
CHUNK = 20000
# Below this many events one process is faster than starting others.
PARALLEL_MIN_EVENTS = 40000


def default_workers() -> int:
    """What the command-line verifiers use: the machine's cores (at most 4)."""
    return max(1, min(os.cpu_count() or 1, 4))


def rows(lo: int | None = None, hi: int | None = None):
    """Events with lo <= seq <= hi (None: unbounded) in seq order, as lists in
    COLUMNS order: occurred_at as the ORM would build it, records as the
    database returns them (JSON text; parsed by _hash_matches)."""
    conn = transaction.get_connection()
    shape = fastsql.shape(AuditEvent, conn)
    names = [shape.by_attname[name][0] for name in COLUMNS]
    to_time = _time_converter(conn, shape)
    if conn.vendor == "sqlite":
        # The text as stored: the declared-type converter would parse it in
        # Python for every row; _time_converter does it faster.
        names[1] = f"CAST({names[1]} AS TEXT)"
    elif conn.vendor == "postgresql":
        # The UTC wall time, read by psycopg's C loader (Django's loader for
        # timestamptz works in Python); _time_converter makes it aware again.
        names[1] = f"({names[1]} AT TIME ZONE 'UTC')"
    head = f"SELECT {', '.join(names)} FROM {AuditEvent._meta.db_table}"
    after = None
    while True:
        where, params = [], []
        if after is not None:
            where.append("seq > %s")
            params.append(after)
        elif lo is not None:
            where.append("seq >= %s")
            params.append(lo)
        if hi is not None:
            where.append("seq <= %s")
            params.append(hi)
        sql = head + (f" WHERE {' AND '.join(where)}" if where else "")
        with conn.cursor() as cursor:
            cursor.execute(f"{sql} ORDER BY seq LIMIT %s", [*params, CHUNK])
            chunk = cursor.fetchall()
        for raw in chunk:
            row = list(raw)
            row[1] = to_time(row[1])
            if isinstance(row[11], bytes):
                row[11] = row[11].decode()
            yield row
        if len(chunk) < CHUNK:
            return
        after = chunk[-1][0]


def _time_converter(conn, shape):
    """occurred_at as the ORM reads it (the same instant): the backend's and
    the field's converters.

    For stored text in ISO form (SQLite) with USE_TZ, those amount to
    datetime.fromisoformat and, if naive, the connection's time zone — done
    directly; anything else goes through the converters themselves. On
    PostgreSQL rows() selects the UTC wall time, made aware here.
    """
    _, col, functions = shape.by_attname["occurred_at"]
    tz = conn.timezone if settings.USE_TZ else None

    def orm(value):
        for fn in functions:
            value = fn(value, col, conn)
        return value

    if conn.vendor == "postgresql" and tz is not None:
        # rows() reads the UTC wall time: the same instant as the ORM's value.
        return lambda value: value if value is None else value.replace(tzinfo=dt.UTC)

    def convert(value):
        if tz is not None and isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                return orm(value)
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)
        return orm(value)

    return convert


def _gap(expected: int, seq: int) -> dict:
    return {
        "code": "AUDIT_GAP",
        "seq": expected,
        "message": f"审计事件缺失：应为第{expected}号，实为第{seq}号",
    }


def _tampered(seq: int, operation: str) -> dict:
    return {
        "code": "AUDIT_TAMPERED",
        "seq": seq,
        "message": f"第{seq}号审计事件被篡改或链断裂（{operation}）",
    }


@dataclass
class Segment:
    """What one seq range found; links to the events before it are the caller's."""

    count: int = 0
    first_seq: int | None = None
    first_prev: str = ""
    first_operation: str = ""
    last_seq: int | None = None
    last_hash: str = ""
    seen_checkpoint: bool = False
    problem: dict | None = None


_KEYED: dict[tuple[bytes, str], object] = {}


def _hmac_hex(alg: str, key: bytes, prev_hash: str, canonical: bytes) -> str:
    """audit._digest_bytes, from a copy of a keyed HMAC state: the key setup
    costs as much as hashing an event, and the key is the same for all."""
    keyed = _KEYED.get((key, alg))
    if keyed is None:
        if len(_KEYED) > 8:
            _KEYED.clear()
        keyed = _KEYED[(key, alg)] = hmac.new(key, digestmod=alg.removeprefix("hmac-"))
    h = keyed.copy()
    h.update(prev_hash.encode() + b"|" + canonical)
    return h.hexdigest()


def _hash_matches(row: list, key: bytes) -> bool:
    """Whether the stored hash is the HMAC of the event's canonical form.

    The reference is audit._canonical_of over the records as json.loads reads
    them (what every reader of the database sees). First, where orjson is
    installed, the same form is built by orjson (records parsed and written by
    it): accepted only if its HMAC matches, i.e. only if orjson produced
    exactly the bytes the writer hashed, json.dumps' form of the signed
    records. orjson then read the same values json reads, with one known
    exception guarded here: an integer literal beyond 64 bits, which orjson
    reads as a float (json keeps the integer). Such a float is ≥ 9.2e18, and
    json.dumps writes every float from 1e16 up with "e+": a form containing
    "e+" is never accepted on the fast path. (orjson refuses NaN, infinities
    and lone surrogates outright; the slow path decides those.)
    """
    alg, prev_hash, hash_, raw = row[12], row[13], row[14], row[11]
    if orjson is not None and isinstance(raw, str):
        try:
            body = _body(row, orjson.loads(raw))
            fast = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONDecodeError, orjson.JSONEncodeError):
            fast = None
        if (
            fast is not None
            and b"e+" not in fast
            and _hmac_hex(alg, key, prev_hash, fast) == hash_
        ):
            return True
    records = json.loads(raw) if isinstance(raw, str) else raw
    canonical = _canonical_of(*row[:11], records)
    return _hmac_hex(alg, key, prev_hash, canonical.encode()) == hash_


def _body(row: list, records) -> dict:
    """audit._canonical_of's body."""
    return {
        "seq": row[0],
        "occurred_at": row[1].astimezone(dt.UTC).isoformat(),
        "actor_id": row[2],
        "actor_name": row[3],
        "role": row[4],
        "scope": row[5],
        "operation": row[6],
        "doc_no": row[7],
        "client_addr": row[8],
        "batch_id": row[9],
        "summary": row[10],
        "records": records,
    }


def verify_segment(
    lo: int | None, hi: int | None, checkpoint: dict | None, key: bytes
) -> Segment:
    seg = Segment()
    prev, expected = "", 0
    for row in rows(lo, hi):
        seq, prev_hash, hash_ = row[0], row[13], row[14]
        seg.count += 1
        if seg.first_seq is None:
            seg.first_seq, seg.first_prev, seg.first_operation = seq, prev_hash, row[6]
        elif seq != expected:
            seg.problem = _gap(expected, seq)
            break
        elif prev_hash != prev:
            seg.problem = _tampered(seq, row[6])
            break
        if not _hash_matches(row, key):
            seg.problem = _tampered(seq, row[6])
            break
        if checkpoint and seq == checkpoint["seq"]:
            seg.seen_checkpoint = True
            if hash_ != checkpoint["hash"]:
                seg.problem = {
                    "code": "AUDIT_CHECKPOINT_MISMATCH",
                    "seq": seq,
                    "message": f"第{seq}号审计事件与检查点不一致",
                }
                break
        prev, expected = hash_, seq + 1
        seg.last_seq, seg.last_hash = seq, hash_
    return seg


def _segment_job(args) -> Segment:
    """In a forked worker: its own database connection, closed afterwards."""
    lo, hi, checkpoint = args
    try:
        return verify_segment(lo, hi, checkpoint, audit_key())
    finally:
        connections.close_all()


def _ranges(workers: int) -> list[tuple[int | None, int | None]]:
    """Seq ranges for `workers` processes, or one unbounded range."""
    if workers <= 1 or transaction.get_connection().in_atomic_block:
        return [(None, None)]
    conn = transaction.get_connection()
    if conn.vendor == "sqlite" and conn.is_in_memory_db():
        return [(None, None)]
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(seq), MAX(seq), COUNT(*) FROM {AuditEvent._meta.db_table}"
        )
        low, high, count = cursor.fetchone()
    if count < PARALLEL_MIN_EVENTS:
        return [(None, None)]
    return split(low, high, workers * 2)


def split(low: int, high: int, parts: int) -> list[tuple[int | None, int | None]]:
    """[low, high] cut into `parts` contiguous ranges; the outer ends open."""
    size = max((high - low + 1) // parts, 1)
    bounds = [(low + i * size, low + (i + 1) * size - 1) for i in range(parts)]
    bounds = [(lo, hi) for lo, hi in bounds if lo <= high]
    bounds[0] = (None, bounds[0][1])
    bounds[-1] = (bounds[-1][0], None)
    return bounds


class Pending:
    """A verification under way: in forked workers when the chain is long, so
    the caller can do other work (the domain checks) meanwhile.

    Use as a context manager; finish() returns the ChainReport.
    """

    def __init__(self, checkpoint: dict | None, workers: int) -> None:
        self.checkpoint = checkpoint
        self.ranges = _ranges(workers)
        self.pool = self.result = None
        if len(self.ranges) > 1:
            # Forked children must not share the parent's connection: close it
            # first (never inside a transaction: _ranges keeps one range there).
            connections.close_all()
            self.pool = multiprocessing.get_context("fork").Pool(workers)
            jobs = [(lo, hi, checkpoint) for lo, hi in self.ranges]
            self.result = self.pool.map_async(_segment_job, jobs)

    def finish(self) -> ChainReport:
        if self.pool is None:
            lo, hi = self.ranges[0]
            segments = [verify_segment(lo, hi, self.checkpoint, audit_key())]
        else:
            segments = self.result.get()
            self.close()
        return stitch(segments, self.checkpoint)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def __enter__(self) -> Pending:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start(checkpoint: dict | None = None, *, workers: int = 1) -> Pending:
    return Pending(checkpoint, workers)


def stitch(segments: list[Segment], checkpoint: dict | None) -> ChainReport:
    """Join the ranges in seq order, first problem first; then head and tail."""
    problems: list[dict] = []
    prev, expected, checked, seen = GENESIS, 1, 0, False
    for seg in segments:
        if not seg.count:
            continue
        if seg.first_seq != expected:
            problems.append(_gap(expected, seg.first_seq))
            checked += 1
            break
        if seg.first_prev != prev:
            problems.append(_tampered(seg.first_seq, seg.first_operation))
            checked += 1
            break
        checked += seg.count
        seen = seen or seg.seen_checkpoint
        if seg.problem:
            problems.append(seg.problem)
            break
        prev, expected = seg.last_hash, seg.last_seq + 1
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash or GENESIS) if head else (0, GENESIS)
    # A missing head row with events present is itself a sign of tampering.
    if not problems and (head_seq != expected - 1 or head_hash != prev):
        problems.append(
            {
                "code": "AUDIT_HEAD_MISMATCH",
                "seq": expected,
                "message": f"链头记录（第{head_seq}号）与最后一个事件（第{expected - 1}号）不一致，"
                "尾部事件可能被删除",
            }
        )
    # A checkpoint of the empty chain (seq 0) names no event to look for.
    if not problems and checkpoint and checkpoint["seq"] > 0 and not seen:
        problems.append(
            {
                "code": "AUDIT_TAIL_DELETED",
                "seq": expected,
                "message": f"检查点记录到第{checkpoint['seq']}号，数据库只有到第{expected - 1}号："
                "尾部事件被删除",
            }
        )
    return ChainReport(not problems, head_seq, checked, problems)


def verify(checkpoint: dict | None = None, *, workers: int = 1) -> ChainReport:
    with start(checkpoint, workers=workers) as pending:
        return pending.finish()

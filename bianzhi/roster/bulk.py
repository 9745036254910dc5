"""The bulk path of the initial load (初始化导入): single enrollments applied in
file order, set-wise for speed (DOMAIN §3.4, §3.6).

`bulk_enroll` decides every row exactly as `services.person_enroll` would in
the same order (same rules in the same sequence, same codes, same end state),
but with the database touched only a few times: the pure rules run in
Python; units, accounts, region policies and existing persons (with their
postings, retirement exceptions and running off-quota work) are read and
locked in a few queries; vacancies are tracked in memory in file order; then
persons and postings go in with bulk_create, each account's counters move
with ONE conditional UPDATE, and one audit event per person is appended
under a shared batch id — all in one transaction, the audit chain last.

Modules: bulk_rows parses the rows, bulk_plan decides them against the locked
state, bulk_apply writes what was accepted (through bulk_write, bulk_records
and bulk_audit); this module is the entry point.

Decisions:
- Only the initial-load channel: the other channels need permits and the
  back-dated capacity history, which the single service checks one by one.
- All-or-nothing by default: the first refused row raises its error and
  nothing is written. `valid_only=True` skips refused rows (they change
  nothing, like a refused single enrollment) and applies the rest in order.
- `accept_excess=True`: a row the capacity rule refuses (QUOTA_FULL,
  QUOTA_OVER_NO_INTAKE) is loaded anyway (intake resource "exempt"), and its
  account is recorded as over quota from the load date with the reason
  「初始化导入时已超编」 (bulk_plan.EXCESS_REASON). Without it the bulk path
  refuses such rows exactly as person_enroll does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from bianzhi.core.actor import Actor
from bianzhi.core.codes import INITIAL_LOAD_DOC_NO
from bianzhi.core.errors import ApplicationError, ErrorCode

from .bulk_apply import write_plan
from .bulk_plan import Plan
from .bulk_rows import ParsedRow, categories, parse_row
from .bulk_write import sqlite_cache
from .services_common import (
    check_backdate,
    clean_doc_no,
    date_arg,
    require_office,
    today_or_default,
)
from .values import CHANNEL, Channel, resolve


@dataclass
class BulkResult:
    accepted: list[int] = field(default_factory=list)
    refused: list[tuple[int, ApplicationError]] = field(default_factory=list)
    batch_id: str = ""


def bulk_enroll(
    *,
    actor: Actor,
    rows: list,
    channel=Channel.INITIAL_LOAD,
    start_date,
    doc_no=INITIAL_LOAD_DOC_NO,
    valid_only: bool = False,
    accept_excess: bool = False,
    batch_id: str | None = None,
    today: dt.date | None = None,
    check_only: bool = False,
) -> BulkResult:
    """Enroll `rows` (each: unit, category, funding, person[, entered_unit_on])
    in order, as person_enroll would one by one; see the module docstring.
    A row may also be what RowParser(start_date=…, today=…) made of such a
    dict (with this call's start_date and today).

    check_only: decide every row exactly the same way (same locks, same rules,
    same accepted/refused lists) but write nothing — an import's dry run."""
    today = today_or_default(today)
    channel = resolve(CHANNEL, channel, field="channel")
    if channel != Channel.INITIAL_LOAD:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "批量入编仅用于初始化导入", field="channel"
        )
    require_office(actor, "初始化导入")
    start_date = date_arg(start_date, field="start_date", today=today, what="入编日期")
    doc_no = clean_doc_no(doc_no, required=False)
    check_backdate(
        actor,
        on=start_date,
        today=today,
        reason="",
        doc_no=INITIAL_LOAD_DOC_NO,
        field="reason",
        what="入编日期",
    )
    batch_id = (batch_id or uuid.uuid4().hex)[:64]
    result = BulkResult(batch_id=batch_id)

    def refuse(index: int, exc: ApplicationError) -> None:
        exc.params = {**exc.params, "row": index}
        if not valid_only:
            raise exc
        result.refused.append((index, exc))

    cats = categories()
    parsed: list[ParsedRow | ApplicationError] = []
    for index, row in enumerate(rows):
        if isinstance(row, ParsedRow):
            parsed.append(row)
            continue
        try:
            parsed.append(
                parse_row(index, row, start_date=start_date, today=today, cats=cats)
            )
        except ApplicationError as exc:
            parsed.append(exc)  # refused in file order below

    with transaction.atomic():
        plan = Plan(
            [p for p in parsed if isinstance(p, ParsedRow)],
            start_date=start_date,
            today=today,
            accept_excess=accept_excess,
            doc_no=doc_no,
        )
        for index, item in enumerate(parsed):
            if isinstance(item, ApplicationError):
                refuse(index, item)
                continue
            try:
                plan.take(item)
            except ApplicationError as exc:
                refuse(index, exc)
                continue
            finally:
                # Taken or refused, the row's person data is no longer needed
                # (the Person holds its values): a city's load frees ~2 KB a row.
                item.data = None  # type: ignore[assignment]
            result.accepted.append(index)
        if check_only:
            result.refused.sort(key=lambda pair: pair[0])
            return result
        try:
            with transaction.atomic(), sqlite_cache():
                write_plan(plan, actor=actor, doc_no=doc_no, batch_id=batch_id)
        except IntegrityError:
            # A person of the file was enrolled concurrently (one active posting
            # per person / unique ID): nothing of the load is kept.
            raise ApplicationError(
                ErrorCode.PERSON_ALREADY_POSTED,
                "导入期间有人员被同时登记，请重新导入",
                field="rows",
            ) from None
    result.refused.sort(key=lambda pair: pair[0])
    return result

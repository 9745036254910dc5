"""The writing half of the bulk path (roster.bulk): what a bulk_plan.Plan
took goes in set-wise — persons and postings with bulk_write's inserts, each
account's counters with ONE conditional UPDATE, one audit event per person
under the batch id, the audit chain last.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial

from django.db import models
from django.utils import timezone

from bianzhi.core import audit, fastsql
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.quota.models import QuotaAccount

from .bulk_plan import Plan
from .bulk_records import _ORDER as PERSON_ORDER
from .bulk_write import (
    BATCH,
    ValueRows,
    change,
    max_pk,
    pks_after,
    record_many,
)
from .models import OffQuotaStaff, Person, Posting
from .values import CHANNEL, Channel

# The audit records of a load hold snapshots of these models only; without
# float (or free JSON) fields their values are what bulk_audit's fast
# encoder writes byte for byte as json.dumps does.
_NATIVE = not any(
    isinstance(f, models.FloatField | models.JSONField)
    for model in (Person, Posting, QuotaAccount, OffQuotaStaff)
    for f in model._meta.concrete_fields
)


def write_plan(plan: Plan, *, actor: Actor, doc_no: str, batch_id: str) -> None:
    """Insert the persons and postings the plan took, end their off-quota work,
    move each account's counters and append one audit event per row."""
    if not plan.taken:
        return
    now = timezone.now()
    new = plan.new_persons
    after = max_pk(Person)
    person_rows = ValueRows(Person, now=now)
    if person_rows.attnames != PERSON_ORDER:  # NewPerson.row's order
        raise RuntimeError("Person: insert columns differ from NewPerson's")
    person_rows.insert(p.row for p in new)
    pks = pks_after(Person, "id_number", after)
    for person in new:
        plan.person_rows.adopt(person, pks[person.id_number])
    for person in plan.updated_persons:
        person.save()
    postings = plan.posting_rows
    assert postings is not None
    after = max_pk(Posting)
    ValueRows(Posting, now=now).insert(
        postings.values(t.posting_varying()) for t in plan.taken
    )
    pks = pks_after(
        Posting,
        "person_id",
        after,
        f"{fastsql.column(Posting, 'end_date')} IS NULL",
    )
    for taken in plan.taken:
        taken.posting_pk = pks[taken.person.pk]
    del pks
    ended = _end_off_quota(plan)
    _move_counters(plan)
    record_many(
        actor=actor,
        operation="person_enroll",
        events=_events(plan, ended),
        doc_no=doc_no,
        batch_id=batch_id,
        native=_NATIVE,
    )


def _events(plan: Plan, ended: dict[str, list[dict]]):
    """Each accepted row's audit event (records, summary), made as the
    chain consumes them; each row's objects are released once its event
    is made, so the batch's events are never all in memory."""
    channel_label = CHANNEL.label(Channel.INITIAL_LOAD)
    person_label, posting_label = Person._meta.label, Posting._meta.label
    taken, plan.taken = plan.taken, []
    plan.new_persons, plan.updated_persons = [], []
    plan.persons.clear()
    person_rows, posting_rows = plan.person_rows, plan.posting_rows
    assert posting_rows is not None
    for index, t in enumerate(taken):
        taken[index] = None  # type: ignore[call-overload]
        person = t.person
        changes = []
        if t.new:
            after = person_rows.snapshot(person)  # type: ignore[arg-type]
            changes.append(change(person_label, person.pk, None, after))
        elif t.before is not None:
            after = audit.snapshot(person)  # type: ignore[arg-type]
            changes.append(change(person_label, person.pk, t.before, after))
        varying = t.posting_varying()
        changes.append(
            change(
                posting_label,
                t.posting_pk,
                None,
                posting_rows.snapshot(t.posting_pk, varying),
            )
        )
        changes.append(t.account_change())
        changes += ended.get(person.id_number, [])
        flag = "（已过退休时间，已标记）" if t.flagged else ""
        yield (
            changes,
            f"入编 {person.name} → {t.state.label}"
            f"（{channel_label}，{plan.start_date}）{flag}",
        )


def _end_off_quota(plan: Plan) -> dict[str, list[dict]]:
    changes: dict[str, list[dict]] = defaultdict(list)
    to_save = []
    for taken in plan.taken:
        person = taken.person
        for staff in plan.off_quota.get(person.id_number, []):
            before = audit.snapshot(staff)
            staff.end_date, staff.end_reason = plan.start_date, "入编"
            to_save.append(staff)
            changes[person.id_number].append(
                audit.change(staff, before, audit.snapshot(staff))
            )
    if to_save:
        OffQuotaStaff.objects.bulk_update(
            to_save, ["end_date", "end_reason"], batch_size=BATCH
        )
    return changes


def _move_counters(plan: Plan) -> None:
    """One conditional UPDATE per account: the guard the single path's
    occupancy.occupy applies row by row, for k rows at once (fixed SQL
    through core.fastsql: the ORM's per-statement compilation cost more
    than the statements for a city's hundreds of accounts)."""
    col = partial(fastsql.column, QuotaAccount)
    occupied, reserved = col("occupied"), col("reserved")
    credits = col("intake_credits")
    states = {id(t.state): t.state for t in plan.taken}
    for state in sorted(states.values(), key=lambda s: s.row.pk):
        assign, where = [f"{occupied} = {occupied} + %s"], [f"{col('id')} = %s"]
        set_params: list = [state.total]
        where_params: list = [state.row.pk]
        if state.vacancy_used:
            where.append(f"{col('approved')} >= {occupied} + {reserved} + %s")
            where_params.append(state.vacancy_used)
        if state.credit_used:
            assign.append(f"{credits} = {credits} - %s")
            set_params.append(state.credit_used)
            where.append(f"{credits} >= %s AND {col('credits_year')} = %s")
            where_params += [state.credit_used, plan.today.year]
        if state.over_set:
            assign.append(f"{col('over_since')} = %s, {col('over_reason')} = %s")
            set_params += [
                fastsql.prep(QuotaAccount, "over_since", state.row.over_since),
                state.row.over_reason,
            ]
            where.append(f"{col('over_since')} IS NULL")
        moved = fastsql.update(
            QuotaAccount,
            ", ".join(assign),
            " AND ".join(where),
            [*set_params, *where_params],
        )
        if moved != 1:
            raise ApplicationError(
                ErrorCode.QUOTA_FULL,
                f"{state.label}的计数已被其他操作改变，请重新导入",
                field="account",
            )

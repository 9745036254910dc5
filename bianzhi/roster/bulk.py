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

Decisions:
- Only the initial-load channel: the other channels need permits and the
  back-dated capacity history, which the single service checks one by one.
- All-or-nothing by default: the first refused row raises its error and
  nothing is written. `valid_only=True` skips refused rows (they change
  nothing, like a refused single enrollment) and applies the rest in order.
- `accept_excess=True`: a row the capacity rule refuses (QUOTA_FULL,
  QUOTA_OVER_NO_INTAKE) is loaded anyway (intake resource "exempt"), and its
  account is recorded as over quota from the load date with the reason
  「初始化导入时已超编」. Without it the bulk path refuses such rows exactly as
  person_enroll does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from bianzhi.core import audit, fastsql
from bianzhi.core.actor import Actor
from bianzhi.core.codes import INITIAL_LOAD_DOC_NO
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Region
from bianzhi.quota import ledger
from bianzhi.quota.models import QuotaAccount
from bianzhi.quota.rules import FUNDING_LABELS

from . import retirement, rules
from .bulk_records import _ORDER as PERSON_ORDER
from .bulk_records import NewPerson, PersonRows, PostingRows
from .bulk_rows import ParsedRow, categories, parse_row, updated_person
from .bulk_write import (
    BATCH,
    ValueRows,
    change,
    chunks,
    full_clean,
    max_pk,
    pks_after,
    record_many,
    sqlite_cache,
)
from .models import (
    IntakeResource,
    MoveKind,
    OffQuotaStaff,
    Person,
    Posting,
    RetirementException,
)
from .services_common import (
    check_backdate,
    clean_doc_no,
    date_arg,
    require_active,
    require_office,
    today_or_default,
)
from .values import CHANNEL, Channel, resolve

EXCESS_REASON = "初始化导入时已超编"

# The audit records of a load hold snapshots of these models only; without
# float (or free JSON) fields their values are what bulk_audit's fast
# encoder writes byte for byte as json.dumps does.
_NATIVE = not any(
    isinstance(f, models.FloatField | models.JSONField)
    for model in (Person, Posting, QuotaAccount, OffQuotaStaff)
    for f in model._meta.concrete_fields
)


@dataclass
class BulkResult:
    accepted: list[int] = field(default_factory=list)
    refused: list[tuple[int, ApplicationError]] = field(default_factory=list)
    batch_id: str = ""


# The fields of an account's audit snapshot that an enrollment moves.
_COUNTERS = ("occupied", "intake_credits", "over_since", "over_reason")


@dataclass
class _Account:
    """The in-memory counters of one locked account, moved in file order."""

    row: QuotaAccount
    label: str
    snap: dict  # audit.snapshot of the account as locked
    policy: str
    counters: tuple = ()  # _COUNTERS' current values, as in the snapshot
    vacancy_used: int = 0
    credit_used: int = 0
    total: int = 0
    over_set: bool = False


@dataclass(slots=True)
class _Taken:
    person: Person | NewPerson
    before: (
        dict | None
    )  # the person's snapshot before an update (None: unchanged or new)
    new: bool
    state: _Account
    # The posting: bulk_records.PostingRows' varying values except the
    # person's id (known once the persons are inserted), and its pk.
    unit_id: int
    entered: dt.date
    resource: str
    flagged: bool
    # The account's _COUNTERS before and after this row (the full snapshots
    # are rebuilt from state.snap when the audit event is written: 200,000
    # copies of them would hold ~1 GB).
    counters_before: tuple
    counters_after: tuple
    posting_pk: int | None = None

    def posting_varying(self) -> tuple:
        return (
            self.person.pk,
            self.state.row.pk,
            self.unit_id,
            self.entered,
            self.resource,
            self.flagged,
        )

    def account_change(self) -> dict:
        state = self.state
        return change(
            state.row._meta.label,
            state.row.pk,
            dict(state.snap, **dict(zip(_COUNTERS, self.counters_before, strict=True))),
            dict(state.snap, **dict(zip(_COUNTERS, self.counters_after, strict=True))),
        )


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
        plan = _Plan(
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
                plan.write(actor=actor, doc_no=doc_no, batch_id=batch_id)
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


class _Plan:
    """The locked state of everything the rows touch, and the rows accepted."""

    def __init__(
        self, rows: list[ParsedRow], *, start_date, today, accept_excess, doc_no
    ):
        self.start_date, self.today, self.doc_no = start_date, today, doc_no
        self.accept_excess = accept_excess
        ids = sorted({r.data.fields["id_number"] for r in rows})
        self.persons: dict[str, Person] = {}
        # Fixed SQL (core.fastsql): the ORM's preparation of 5,000-value IN
        # lists cost seconds at a city's 200,000 IDs; the same rows, locked.
        id_column = fastsql.column(Person, "id_number")
        for chunk in chunks(ids):
            marks = ", ".join(["%s"] * len(chunk))
            for person in fastsql.select(
                Person, f"{id_column} IN ({marks})", chunk, lock=True
            ):
                self.persons[person.id_number] = person
        known = [p.pk for p in self.persons.values()]
        self.posted: dict[str, str] = {}  # id_number → unit name of the active posting
        self.last_end: dict[int, dt.date] = {}
        self.exceptions: dict[int, list] = defaultdict(list)
        by_pk = {p.pk: p for p in self.persons.values()}
        for chunk in chunks(known):
            for posting in Posting.objects.filter(
                person_id__in=chunk, end_date__isnull=True
            ).select_related("unit"):
                self.posted[by_pk[posting.person_id].id_number] = posting.unit.name
            ends = (
                Posting.objects.filter(person_id__in=chunk, end_date__isnull=False)
                .values_list("person_id")
                .annotate(m=Max("end_date"))
                .order_by()
            )
            self.last_end.update(dict(ends))
            for exc in RetirementException.objects.filter(person_id__in=chunk):
                self.exceptions[exc.person_id].append(exc)
        self.off_quota: dict[str, list[OffQuotaStaff]] = defaultdict(list)
        col = partial(fastsql.column, OffQuotaStaff)
        open_on = (
            f"{col('end_date')} IS NULL AND {col('start_date')} <= %s"
            f" AND {col('id_number')} IN "
        )
        start_param = fastsql.prep(OffQuotaStaff, "start_date", start_date)
        for chunk in chunks(ids):
            marks = ", ".join(["%s"] * len(chunk))
            for staff in fastsql.select(
                OffQuotaStaff,
                f"{open_on}({marks})",
                [start_param, *chunk],
                order_by=col("id"),
            ):
                self.off_quota[staff.id_number].append(staff)
        # Lock order of the roster: persons → units (by id) → accounts (by id).
        self.units = ledger.lock_units({r.unit_id for r in rows} - {None})
        account_ids = list(
            QuotaAccount.objects.filter(unit_id__in=list(self.units)).values_list(
                "id", flat=True
            )
        )
        locked = ledger.lock_accounts(account_ids) if account_ids else {}
        regions = {
            r.pk: r
            for r in Region.objects.filter(
                pk__in={u.region_id for u in self.units.values()}
            ).only("over_quota_policy")
        }
        self.accounts: dict[tuple, _Account] = {}
        for account in locked.values():
            policy = regions[account.unit.region_id].over_quota_policy
            self.accounts[(account.unit_id, account.category_id, account.funding)] = (
                _Account(
                    account,
                    ledger.account_label(account),
                    audit.snapshot(account),
                    policy,
                )
            )
        for state in self.accounts.values():
            state.counters = tuple(state.snap[key] for key in _COUNTERS)
        self.person_rows = PersonRows()
        self.posting_rows: PostingRows | None = None  # from the first posting
        self.taken: list[_Taken] = []
        self.new_persons: list[NewPerson] = []
        self.updated_persons: list[Person] = []

    # --- one row, as person_enroll decides it ----------------------------------------

    def _person(self, row: ParsedRow) -> tuple[Person | NewPerson, dict | None, bool]:
        fields = row.data.fields
        person = self.persons.get(fields["id_number"])
        if person is None:
            return self.person_rows.new(fields), None, True
        posted = self.posted.get(person.id_number)
        if posted is not None:
            raise ApplicationError(
                ErrorCode.PERSON_ALREADY_POSTED,
                f"{person.name}（{person.id_number}）在{posted}在编",
                field="id_number",
                params={"unit": posted},
            )
        before = audit.snapshot(person)
        updated = updated_person(person, row.data)
        if audit.snapshot(updated) == before:
            return person, None, False
        full_clean(updated)
        return updated, before, False

    def _account(self, row: ParsedRow) -> _Account:
        unit = self.units.get(row.unit_id)
        if unit is None:
            raise ApplicationError(ErrorCode.UNIT_UNKNOWN, field="unit")
        found = self.accounts.get((unit.pk, row.category.pk, row.funding))
        if found is None:
            raise ApplicationError(
                ErrorCode.ACCOUNT_UNKNOWN,
                f"{unit.name}没有{row.category.name}·"
                f"{FUNDING_LABELS.get(row.funding, row.funding)}账户",
                field="category",
            )
        return found

    def _retires(self, person: Person, on: dt.date) -> dt.date:
        return retirement.retirement_date(
            person.certified_birth_date,
            person.gender,
            person.identity,
            person.post_type,
            self.exceptions.get(person.pk, ()) if person.pk else (),
            as_of=on,
        )

    def _resource(self, state: _Account) -> str:
        account = state.row
        credits = rules.credits_valid(
            account.intake_credits, account.credits_year, self.today
        )
        try:
            return rules.can_take_intake(
                account.approved,
                account.occupied,
                account.reserved,
                state.policy,
                credits,
                False,
            )
        except ApplicationError as exc:
            over = exc.code in (ErrorCode.QUOTA_FULL, ErrorCode.QUOTA_OVER_NO_INTAKE)
            if self.accept_excess and over:
                return IntakeResource.EXEMPT
            raise

    def take(self, row: ParsedRow) -> None:
        person, before, new = self._person(row)
        last = self.last_end.get(person.pk) if person.pk else None
        if last is not None and last > self.start_date:
            raise ApplicationError(
                ErrorCode.PERSON_ALREADY_POSTED,
                f"{person.name}在{self.start_date}仍在编（至{last}）",
                field="start_date",
            )
        state = self._account(row)
        unit = self.units[row.unit_id]
        require_active(unit)
        category = state.row.category
        rules.identity_fits_category(
            person.identity,
            category.code,
            category.accepted_identities,
            unit.kind,
            unit.civil_service_managed,
            category_name=category.name,
        )
        rules.age_allows_entry(
            person.certified_birth_date, row.entered, self._retires(person, row.entered)
        )
        flagged = rules.past_retirement(self.today, self._retires(person, self.today))
        resource = IntakeResource(self._resource(state)).value
        if self.posting_rows is None:  # the fields all rows share (doc_no …)
            posting = Posting(
                account=state.row,
                unit=unit,
                start_date=self.start_date,
                move_kind=MoveKind.INITIAL_LOAD,
                channel=Channel.INITIAL_LOAD,
                entered_unit_on=row.entered,
                intake_resource=resource,
                flagged_past_retirement=flagged,
                doc_no=self.doc_no,
            )
            full_clean(posting, exclude=["person", "account", "unit", "previous"])
            self.posting_rows = PostingRows(posting)
        # Accepted: move the in-memory state as occupancy.occupy would.
        account = state.row
        counters_before = state.counters
        crosses = account.occupied + 1 > account.approved
        account.occupied += 1
        state.total += 1
        if resource == IntakeResource.VACANCY:
            state.vacancy_used += 1
        elif resource == IntakeResource.CREDIT:
            state.credit_used += 1
            account.intake_credits -= 1
        if crosses and account.over_since is None:
            account.over_since = self.start_date
            account.over_reason = (
                "出N进一进人" if resource == IntakeResource.CREDIT else EXCESS_REASON
            )
            state.over_set = True
        # audit.snapshot(account)'s moved fields, without a snapshot per row
        state.counters = (
            account.occupied,
            account.intake_credits,
            audit._plain(account.over_since),
            account.over_reason,
        )
        self.persons[person.id_number] = person
        self.posted[person.id_number] = unit.name
        if new:
            self.new_persons.append(person)
        elif before is not None:
            self.updated_persons.append(person)
        self.taken.append(
            _Taken(
                person,
                before,
                new,
                state,
                unit.pk,
                row.entered,
                resource,
                flagged,
                counters_before,
                state.counters,
            )  # fmt: skip
        )

    # --- the writes ---------------------------------------------------------------------

    def write(self, *, actor: Actor, doc_no: str, batch_id: str) -> None:
        if not self.taken:
            return
        now = timezone.now()
        new = self.new_persons
        after = max_pk(Person)
        person_rows = ValueRows(Person, now=now)
        if person_rows.attnames != PERSON_ORDER:  # NewPerson.row's order
            raise RuntimeError("Person: insert columns differ from NewPerson's")
        person_rows.insert(p.row for p in new)
        pks = pks_after(Person, "id_number", after)
        for person in new:
            self.person_rows.adopt(person, pks[person.id_number])
        for person in self.updated_persons:
            person.save()
        postings = self.posting_rows
        assert postings is not None
        after = max_pk(Posting)
        ValueRows(Posting, now=now).insert(
            postings.values(t.posting_varying()) for t in self.taken
        )
        pks = pks_after(
            Posting,
            "person_id",
            after,
            f"{fastsql.column(Posting, 'end_date')} IS NULL",
        )
        for taken in self.taken:
            taken.posting_pk = pks[taken.person.pk]
        del pks
        ended = self._end_off_quota()
        self._move_counters()
        record_many(
            actor=actor,
            operation="person_enroll",
            events=self._events(ended),
            doc_no=doc_no,
            batch_id=batch_id,
            native=_NATIVE,
        )

    def _events(self, ended: dict[str, list[dict]]):
        """Each accepted row's audit event (records, summary), made as the
        chain consumes them; each row's objects are released once its event
        is made, so the batch's events are never all in memory."""
        channel_label = CHANNEL.label(Channel.INITIAL_LOAD)
        person_label, posting_label = Person._meta.label, Posting._meta.label
        taken, self.taken = self.taken, []
        self.new_persons, self.updated_persons = [], []
        self.persons.clear()
        person_rows, posting_rows = self.person_rows, self.posting_rows
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
                f"（{channel_label}，{self.start_date}）{flag}",
            )

    def _end_off_quota(self) -> dict[str, list[dict]]:
        changes: dict[str, list[dict]] = defaultdict(list)
        to_save = []
        for taken in self.taken:
            person = taken.person
            for staff in self.off_quota.get(person.id_number, []):
                before = audit.snapshot(staff)
                staff.end_date, staff.end_reason = self.start_date, "入编"
                to_save.append(staff)
                changes[person.id_number].append(
                    audit.change(staff, before, audit.snapshot(staff))
                )
        if to_save:
            OffQuotaStaff.objects.bulk_update(
                to_save, ["end_date", "end_reason"], batch_size=BATCH
            )
        return changes

    def _move_counters(self) -> None:
        """One conditional UPDATE per account: the guard the single path's
        occupancy.occupy applies row by row, for k rows at once (fixed SQL
        through core.fastsql: the ORM's per-statement compilation cost more
        than the statements for a city's hundreds of accounts)."""
        col = partial(fastsql.column, QuotaAccount)
        occupied, reserved = col("occupied"), col("reserved")
        credits = col("intake_credits")
        states = {id(t.state): t.state for t in self.taken}
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
                where_params += [state.credit_used, self.today.year]
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

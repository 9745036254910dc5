"""The planning half of the bulk path (roster.bulk): every row decided in
file order against locked state held in memory, nothing written.

Plan reads and locks what the rows touch in a few queries (persons with their
postings, retirement exceptions and running off-quota work; units; accounts;
region policies) in the roster's lock order, then `take` decides one row as
services.person_enroll would (same rules in the same sequence, same codes)
and moves the in-memory counters. bulk_apply writes what was taken.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.db.models import Max

from bianzhi.core import audit, fastsql
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Region
from bianzhi.quota import ledger_accounts
from bianzhi.quota.models import QuotaAccount
from bianzhi.quota.rules import FUNDING_LABELS

from . import retirement, rules
from .bulk_records import NewPerson, PersonRows, PostingRows
from .bulk_rows import ParsedRow, updated_person
from .bulk_write import change, chunks, full_clean
from .models import (
    IntakeResource,
    MoveKind,
    OffQuotaStaff,
    Person,
    Posting,
    RetirementException,
)
from .services_common import require_active
from .values import Channel

EXCESS_REASON = "初始化导入时已超编"

# The fields of an account's audit snapshot that an enrollment moves.
COUNTERS = ("occupied", "intake_credits", "over_since", "over_reason")


@dataclass
class AccountState:
    """The in-memory counters of one locked account, moved in file order."""

    row: QuotaAccount
    label: str
    snap: dict  # audit.snapshot of the account as locked
    policy: str
    counters: tuple = ()  # COUNTERS' current values, as in the snapshot
    vacancy_used: int = 0
    credit_used: int = 0
    total: int = 0
    over_set: bool = False


@dataclass(slots=True)
class Taken:
    person: Person | NewPerson
    before: (
        dict | None
    )  # the person's snapshot before an update (None: unchanged or new)
    new: bool
    state: AccountState
    # The posting: bulk_records.PostingRows' varying values except the
    # person's id (known once the persons are inserted), and its pk.
    unit_id: int
    entered: dt.date
    resource: str
    flagged: bool
    # The account's COUNTERS before and after this row (the full snapshots
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
            dict(state.snap, **dict(zip(COUNTERS, self.counters_before, strict=True))),
            dict(state.snap, **dict(zip(COUNTERS, self.counters_after, strict=True))),
        )


class Plan:
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
        self.units = ledger_accounts.lock_units({r.unit_id for r in rows} - {None})
        account_ids = list(
            QuotaAccount.objects.filter(unit_id__in=list(self.units)).values_list(
                "id", flat=True
            )
        )
        locked = ledger_accounts.lock_accounts(account_ids) if account_ids else {}
        regions = {
            r.pk: r
            for r in Region.objects.filter(
                pk__in={u.region_id for u in self.units.values()}
            ).only("over_quota_policy")
        }
        self.accounts: dict[tuple, AccountState] = {}
        for account in locked.values():
            policy = regions[account.unit.region_id].over_quota_policy
            self.accounts[(account.unit_id, account.category_id, account.funding)] = (
                AccountState(
                    account,
                    ledger_accounts.account_label(account),
                    audit.snapshot(account),
                    policy,
                )
            )
        for state in self.accounts.values():
            state.counters = tuple(state.snap[key] for key in COUNTERS)
        self.person_rows = PersonRows()
        self.posting_rows: PostingRows | None = None  # from the first posting
        self.taken: list[Taken] = []
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

    def _account(self, row: ParsedRow) -> AccountState:
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

    def _resource(self, state: AccountState) -> str:
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
            Taken(
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

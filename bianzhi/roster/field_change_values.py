"""The new value of a 信息变更申请, parsed and checked at request time with the
rules the change itself applies (roster.services_requests): ID checksum and
uniqueness, identity fits the current account, birth date needs a basis when
it differs from the ID's, work start date after birth and not in the future,
target account in the same unit with room for an intake. Reads only; the
request service writes.
"""

from __future__ import annotations

import datetime as dt

from bianzhi.core.codes import parse_id_number
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.quota.models import QuotaAccount
from bianzhi.quota.rules import FUNDING_LABELS, parse_funding
from bianzhi.quota.selectors import resolve_category

from . import rules, selectors
from .models import LockedField, Person, Posting
from .services_common import check_work_start, pk_of, require_name
from .services_people import check_identity_change
from .values import GENDER, IDENTITY, resolve

NAME_MAX = 50


def account_text(account: QuotaAccount) -> str:
    """行政编制·财政拨款 — the unit is the request's own."""
    return f"{account.category.name}·{FUNDING_LABELS.get(account.funding, account.funding)}"


def _target_account(posting: Posting, value) -> QuotaAccount:
    """The target account: an id, an account, or "category:funding" — in the unit."""
    accounts = QuotaAccount.objects.filter(unit_id=posting.unit_id).select_related(
        "category", "unit"
    )
    text = str(getattr(value, "pk", value) or "").strip()
    if not text:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "请选择要占用的编制账户", field="new_value"
        )
    if ":" in text:
        category_text, funding_text = text.split(":", 1)
        category = resolve_category(category_text)
        found = accounts.filter(
            category=category, funding=parse_funding(funding_text)
        ).first()
    else:
        found = accounts.filter(pk=pk_of(text)).first()
    if found is None:
        raise ApplicationError(
            ErrorCode.ACCOUNT_UNKNOWN,
            f"{posting.unit.name}没有该编制账户",
            field="new_value",
        )
    return found


def _check_account(
    person: Person, posting: Posting, value, extra: dict, today: dt.date
) -> str:
    account = _target_account(posting, value)
    if account.pk == posting.account_id:
        raise ApplicationError(
            ErrorCode.PERSON_ALREADY_POSTED,
            f"{person.name}已在该编制账户在编",
            field="new_value",
        )
    category = account.category
    rules.identity_fits_category(
        person.identity,
        category.code,
        category.accepted_identities,
        posting.unit.kind,
        posting.unit.civil_service_managed,
        category_name=category.name,
    )
    # Room for an intake now; the approval checks again (counters move).
    vacancy = selectors.vacancy_for(account, today=today)
    if vacancy.refusal:
        raise ApplicationError(
            ErrorCode(vacancy.refusal),
            f"{account_text(account)}核定{vacancy.approved}名、实有{vacancy.occupied}名、"
            f"预留{vacancy.reserved}名",
            field="new_value",
        )
    extra.update(
        posting_id=posting.pk,
        from_label=account_text(posting.account),
        to_label=account_text(account),
    )
    return str(account.pk)


def check_new_value(
    person: Person,
    posting: Posting,
    field: str,
    value,
    extra: dict,
    today: dt.date,
) -> tuple[str, str]:
    """(old, new) as stored text; ApplicationError with field="new_value"."""
    try:
        if field == LockedField.NAME:
            new = require_name(value)
            if len(new) > NAME_MAX:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID, f"姓名不得超过{NAME_MAX}字"
                )
            return person.name, new
        if field == LockedField.ID_NUMBER:
            parsed = parse_id_number(value, today=today)
            taken = Person.objects.filter(id_number=parsed.number).exclude(pk=person.pk)
            if taken.exists():
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID, "该公民身份号码已登记为另一人员"
                )
            # What the number implies, for the office to see before deciding.
            extra.update(
                gender=GENDER.label(parsed.gender),
                birth_date=parsed.birth_date.isoformat(),
                gender_changes=parsed.gender != person.gender,
            )
            return person.id_number, parsed.number
        if field == LockedField.IDENTITY:
            identity = resolve(IDENTITY, value, field="new_value")
            check_identity_change(identity, posting, person.post_type)
            return person.identity, identity
        if field == LockedField.CERTIFIED_BIRTH_DATE:
            day = parse_date(value, field="new_value")
            check = rules.person_identity_check(
                person.id_number,
                None,
                day,
                extra.get("certified_basis", ""),
                today=today,
            )
            if check.certified_basis:
                extra["certified_basis"] = check.certified_basis
            else:
                extra.pop("certified_basis", None)
            return person.certified_birth_date.isoformat(), day.isoformat()
        if field == LockedField.WORK_START_DATE:
            day = parse_date(value, field="new_value")
            check_work_start(day, person.certified_birth_date, today)
            return person.work_start_date.isoformat(), day.isoformat()
        return str(posting.account_id), _check_account(
            person, posting, value, extra, today
        )
    except ApplicationError as exc:
        # The basis, not the date, is what a birth-date mismatch asks for.
        missing_basis = exc.code == ErrorCode.BIRTH_DATE_MISMATCH
        exc.field = "certified_basis" if missing_basis else "new_value"
        raise

"""Shared steps of the roster services: roles, dates, locks, person input,
the permit hook and the capacity checks over time.

Lock order of every roster write (the ledger's order with the person first,
so a roster write and a quota movement never wait on each other in a cycle):
person → units (by id) → accounts (by id) → audit head (audit.record, last).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from bianzhi.core import fastsql
from bianzhi.core.actor import Actor
from bianzhi.core.codes import INITIAL_LOAD_DOC_NO, normalise_doc_no
from bianzhi.core.dates import parse_date, parse_optional_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit
from bianzhi.quota import ledger_accounts
from bianzhi.quota.ledger_accounts import category_of as resolve_category
from bianzhi.quota.models import QuotaAccount, QuotaEntry
from bianzhi.quota.rules import FUNDING_LABELS, parse_funding

from . import rules, selectors
from .models import Person
from .values import (
    DEGREE,
    EDUCATION,
    ETHNICITY,
    IDENTITY,
    POLITICAL_STATUS,
    POST_TYPE,
    RANK,
    Identity,
    resolve,
)

__all__ = ["parse_funding", "resolve_category"]


def today_or_default(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def clean_doc_no(value, *, required: bool = True, field: str = "doc_no") -> str:
    if not required and not str(value or "").strip():
        return ""
    try:
        return normalise_doc_no(value)
    except ApplicationError as exc:
        exc.field = field
        raise


def date_arg(value, *, field: str, today: dt.date, what: str) -> dt.date:
    """A date that may not lie after today: counters hold today's state, and
    the roster keeps no pending postings (decision, see services.py)."""
    day = parse_date(value, field=field)
    if day > today:
        raise ApplicationError(
            ErrorCode.DATE_INVALID,
            f"{what}{day}晚于今天{today}；请在当日或之后办理",
            field=field,
        )
    return day


def optional_date(value, *, field: str) -> dt.date | None:
    return parse_optional_date(value, field=field)


# --- roles ---------------------------------------------------------------------


def require_office(actor: Actor, what: str) -> None:
    if not actor.is_office:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, f"{what}须由编办人员办理")


def require_unit_writer(actor: Actor, unit_id: int, what: str) -> None:
    """Office staff, or the unit's own HR (their assignment scopes that unit)."""
    if actor.is_office:
        return
    if actor.role == "unit_hr" and actor.scope == f"unit:{unit_id}":
        return
    raise ApplicationError(
        ErrorCode.ROLE_FORBIDDEN, f"{what}须由编办人员或本单位人事干部办理"
    )


def check_backdate(
    actor: Actor,
    *,
    on: dt.date,
    today: dt.date,
    reason: str,
    doc_no: str = "",
    field: str = "reason",
    what: str = "生效日期",
) -> None:
    """Back-dated writes: office staff with a reason (DOMAIN §3.2). The initial
    load's doc_no 「初始化导入」 is its reason (as in orgs and quota)."""
    if on >= today:
        return
    has_reason = bool((reason or "").strip()) or doc_no == INITIAL_LOAD_DOC_NO
    if not actor.is_office or not has_reason:
        raise ApplicationError(
            ErrorCode.BACKDATE_REASON_REQUIRED,
            f"{what}{on}早于今天{today}，须由编办人员填写追溯理由",
            field=field,
        )


def require_reason(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, f"{what}须填写理由", field="reason"
        )
    return text


# --- fetching and locking ------------------------------------------------------------


def pk_of(value) -> int | None:
    if value is None or value == "":
        return None
    if hasattr(value, "pk"):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def lock_person(person_id: int) -> Person:
    person = (
        fastsql.select_one(Person, "id = %s", [person_id], lock=True)
        if person_id is not None
        else None
    )
    if person is None:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "人员不存在", field="person")
    return person


def lock_units(unit_ids) -> dict[int, Unit]:
    ids = set(unit_ids)
    units = ledger_accounts.lock_units(ids - {None})
    if ids - set(units):
        raise ApplicationError(ErrorCode.UNIT_UNKNOWN, field="unit")
    return units


def require_active(unit: Unit, *, field: str = "unit") -> None:
    if not unit.is_active:
        raise ApplicationError(
            ErrorCode.UNIT_INACTIVE, f"{unit.name}已撤销或合并", field=field
        )


def account_id_for(unit: Unit, category, funding: str) -> int:
    found = (
        QuotaAccount.objects.filter(unit=unit, category=category, funding=funding)
        .values_list("id", flat=True)
        .first()
    )
    if found is None:
        raise ApplicationError(
            ErrorCode.ACCOUNT_UNKNOWN,
            f"{unit.name}没有{category.name}·{FUNDING_LABELS.get(funding, funding)}账户",
            field="category",
        )
    return found


def lock_accounts(
    account_ids, *, units: dict[int, Unit] | None = None
) -> dict[int, QuotaAccount]:
    return ledger_accounts.lock_accounts(account_ids, units=units)


def lock_account_for(unit: Unit, category, funding: str) -> QuotaAccount:
    """account_id_for + lock_accounts in one read (the unit is locked already)."""
    found = fastsql.select_one(
        QuotaAccount,
        "unit_id = %s AND category_id = %s AND funding = %s",
        [unit.pk, category.code, funding],
        lock=True,
    )
    if found is None:
        raise ApplicationError(
            ErrorCode.ACCOUNT_UNKNOWN,
            f"{unit.name}没有{category.name}·{FUNDING_LABELS.get(funding, funding)}账户",
            field="category",
        )
    found.unit, found.category = unit, category
    return found


def label(account: QuotaAccount) -> str:
    return ledger_accounts.account_label(account)


def save(instance, *, exclude: list[str] | None = None) -> None:
    """full_clean (value sets, lengths, clean()), then save.

    The CHECK constraints are not re-run as queries here: the parsing above
    guarantees them and the database enforces them anyway.
    """
    validate(instance, exclude=exclude)
    if instance._state.adding and instance.pk is None:
        fastsql.insert(instance)  # a new row: one INSERT, no ORM compilation
    else:
        instance.save()


def validate(instance, *, exclude: list[str] | None = None) -> None:
    """save()'s checks without the write: value sets, lengths, clean().

    Uniqueness is left to the database's constraints (no extra queries).
    """
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


# --- person input -------------------------------------------------------------------

PERSON_KEYS = frozenset(
    {
        "id_number",
        "name",
        "gender",
        "birth_date",
        "certified_basis",
        "ethnicity",
        "political_status",
        "education",
        "degree",
        "major",
        "identity",
        "position_title",
        "rank",
        "post_type",
        "work_start_date",
        "phone",
        "remarks",
    }
)
# Locked fields (DOMAIN §3.4): changed only through person_change_locked_field.
LOCKED_FIELDS = frozenset(
    {"name", "id_number", "identity", "certified_birth_date", "work_start_date"}
)
# What unit HR (or the office) maintains with person_update_fields.
FREE_FIELDS = {
    "ethnicity": ETHNICITY,
    "political_status": POLITICAL_STATUS,
    "education": EDUCATION,
    "degree": DEGREE,
    "major": None,
    "position_title": None,
    "rank": RANK,
    "post_type": POST_TYPE,
    "phone": None,
    "remarks": None,
}
_REQUIRED_FREE = {"ethnicity", "political_status", "education"}


# Pure and highly repetitive (surnames, common names): pypinyin was ~15 % of
# the CPU of a city-size roster import.
@functools.lru_cache(maxsize=65536)
def pinyin_initials(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(letters).lower()[:50]


def free_value(key: str, value) -> str:
    table = FREE_FIELDS[key]
    if table is None:
        return str(value or "").strip()
    return resolve(table, value, field=key, required=key in _REQUIRED_FREE)


def require_name(value) -> str:
    name = str(value or "").strip()
    if not name:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "请填写姓名", field="name")
    return name


def check_post_type(identity: str, post_type: str) -> None:
    if identity == Identity.INSTITUTION_STAFF and not post_type:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED,
            "事业人员须填写岗位类型（管理、专业技术、工勤技能）",
            field="post_type",
        )


def check_work_start(work_start: dt.date, birth: dt.date, today: dt.date) -> None:
    if work_start <= birth or work_start > today:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"参加工作时间{work_start}应晚于出生日期{birth}且不晚于今天",
            field="work_start_date",
        )


@dataclass
class PersonInput:
    check: rules.IdentityCheck
    fields: dict = field(default_factory=dict)  # model field → value
    given: set[str] = field(default_factory=set)  # keys the caller supplied


def parse_person(data: dict, *, today: dt.date) -> PersonInput:
    """Validate the person part of an enrollment (no database access)."""
    if not isinstance(data, dict):
        raise ApplicationError(ErrorCode.VALUE_INVALID, "人员信息缺失", field="person")
    unknown = sorted(set(data) - PERSON_KEYS)
    if unknown:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"未知的人员字段：{'、'.join(unknown)}",
            field=unknown[0],
        )
    if not str(data.get("id_number") or "").strip():
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "请填写公民身份号码", field="id_number"
        )
    name = require_name(data.get("name"))
    birth = optional_date(data.get("birth_date"), field="birth_date")
    check = rules.person_identity_check(
        data["id_number"],
        data.get("gender"),
        birth,
        data.get("certified_basis") or "",
        today=today,
    )
    identity = resolve(IDENTITY, data.get("identity"), field="identity")
    values = {key: free_value(key, data.get(key)) for key in FREE_FIELDS}
    check_post_type(identity, values["post_type"])
    rules.rank_fits(identity, values["post_type"], values["rank"])
    if data.get("work_start_date") in (None, ""):
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "请填写参加工作时间", field="work_start_date"
        )
    work_start = parse_date(data["work_start_date"], field="work_start_date")
    check_work_start(work_start, check.certified_birth_date, today)
    fields = {
        "id_number": check.id_number,
        "name": name,
        "name_pinyin_initials": pinyin_initials(name),
        "gender": check.gender,
        "birth_date": check.birth_date,
        "certified_birth_date": check.certified_birth_date,
        "certified_basis": check.certified_basis,
        "identity": identity,
        "work_start_date": work_start,
        **values,
    }
    return PersonInput(
        check, fields, {k for k, v in data.items() if v not in (None, "")}
    )


# --- the permit hook ---------------------------------------------------------------


@dataclass(frozen=True)
class PermitDecision:
    """What the permit hook answers for an intake it accepts.

    converts_reservation: the permit holds a reservation in this account, and
    the intake turns it into the posting (reserved − 1, occupied + 1). False
    for a permit backed by intake credits (quota Permit.by_credit): the
    intake takes a vacancy if one has opened, else a credit.
    changes: audit changes of what the hook wrote (e.g. the permit's count
    left), listed in the enrollment's audit event.
    """

    converts_reservation: bool = False
    changes: list[dict] = field(default_factory=list)
    ref: str = ""


def permit_check(*, channel, unit, category, funding, permit, start_date, today):
    """Default hook: accept everything (DOMAIN §3.4, until the workflows exist).

    `today` is the enrolling service's today: validity is judged on it.

    A replacement raises PERMIT_REQUIRED / PERMIT_EXPIRED / PERMIT_EXHAUSTED,
    or returns a PermitDecision (or a bool: converts_reservation). It runs
    inside the enrollment's transaction after unit and account are locked, so
    it may lock and consume the permit; its writes roll back with a refusal.
    """
    return None


_permit_hook: Callable = permit_check


def set_permit_hook(fn: Callable | None) -> None:
    """Install the workflow's permit check (None restores the default)."""
    global _permit_hook
    _permit_hook = fn or permit_check


def run_permit_hook(**kwargs) -> PermitDecision:
    answer = _permit_hook(**kwargs)
    if isinstance(answer, PermitDecision):
        return answer
    return PermitDecision(converts_reservation=bool(answer))


# --- capacity and leader posts over time ------------------------------------------------


def check_intake_history(account: QuotaAccount, start: dt.date, today: dt.date) -> None:
    """A back-dated intake occupies the post on every date from `start`; each of
    them (up to, not incl., today — the counter guards today) needs vacancy.

    Reservations have no history (quota.selectors), so the past is checked
    against approved and the postings in force.
    """
    if start >= today:
        return
    entries = QuotaEntry.objects.filter(account_id=account.pk)
    approved = (
        entries.filter(effective_date__lte=start).aggregate(s=Sum("amount"))["s"] or 0
    )
    changes = dict(
        entries.filter(effective_date__gt=start, effective_date__lt=today)
        .values_list("effective_date")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    dates = {
        start,
        *changes,
        *selectors.occupancy_change_dates([account.pk], start, today),
    }
    for day in sorted(d for d in dates if start <= d < today):
        if day != start:
            approved += changes.get(day, 0)
        occupied = selectors.occupied_as_of([account.pk], day)[account.pk]
        if occupied + 1 > approved:
            raise ApplicationError(
                ErrorCode.QUOTA_FULL,
                f"{label(account)}于{day}核定{approved}名、实有{occupied}名，"
                "追溯至该日入编将超出核定数",
                field="start_date",
                params={
                    "on": day.isoformat(),
                    "approved": approved,
                    "occupied": occupied,
                },
            )


def check_locked_fields_agree(person: Person, data: PersonInput) -> None:
    """An enrollment of someone already registered may not change a locked
    field on the way (DOMAIN §3.4): that is the office's locked-field change.
    Shared by the single and the bulk path so both refuse alike."""
    fields = data.fields
    for key in sorted(LOCKED_FIELDS - {"id_number", "identity"}):
        given = key in data.given or (
            key == "certified_birth_date" and "birth_date" in data.given
        )
        if given and getattr(person, key) != fields[key]:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"与已登记的{Person._meta.get_field(key).verbose_name}"
                f"「{getattr(person, key)}」不一致；锁定字段须由编办办理变更",
                field="birth_date" if key == "certified_birth_date" else key,
            )

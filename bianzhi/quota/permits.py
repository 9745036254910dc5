"""Quota-use permits (DOMAIN §4 item 2); the plans they convert are in
quota/plans.py.

Reservations. An approved plan line reserves its count in the account
(QuotaAccount.reserved, through occupancy.reserve: a conditional UPDATE that
vacancy must cover). A permit drawn on a plan line CONVERTS that line's
reservation (the line's `reserved` goes down, the account counter does not
move) and reserves afresh only what the line no longer holds. While active a
permit holds count − used; each intake turns one into the posting
(occupancy.occupy "permit_reservation": occupied +1, reserved −1). Expiry
releases what is left.

Credits. An account full or over quota under the region's N-out-1-in policy
has no vacancy to reserve; its permits are issued `by_credit` up to the
intake credits of the year not yet promised to another active permit
(credits_free), reserve nothing, and their intakes consume a credit
(occupancy.occupy "credit"). Expiry releases nothing.

The effects (plan_approve, permit_issue) run inside the final approval's
transaction and return their audit changes (approvals/engine.py); permit_use
runs inside the enrollment's transaction (roster permit hook) and also
returns changes; permit_expire is the daily job and records one event.
permit_record is the system's service for a permit approved outside the
platform (no request; its approval's document number instead).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import F, Q, Sum

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit

from . import occupancy
from .models import Permit, PlanLine, QuotaAccount, RecruitmentPlan
from .selectors_permits import state_on

PERMIT_VALID_MONTHS = 6  # VALUES.md: permit validity 6 months


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(valid_from: dt.date) -> dt.date:
    """Six months, the last day inclusive (2026-03-02 → 2026-09-01)."""
    return add_months(valid_from, PERMIT_VALID_MONTHS) - dt.timedelta(days=1)


def positive_count(value, field: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "人数须为正整数", field=field
        ) from None
    if n < 1:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "人数须为正整数", field=field)
    return n


def unit_account(unit_id: int | None, account_id, *, lock: bool) -> QuotaAccount:
    qs = QuotaAccount.objects.select_related("category")
    if lock:
        qs = qs.select_for_update(of=("self",))
    account = qs.filter(pk=account_id, unit_id=unit_id).first()
    if account is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "编制账户不属于申请单位", field="account_id"
        )
    return account


def numbers(account: QuotaAccount) -> str:
    vacancy = account.approved - account.occupied - account.reserved
    return (
        f"核定{account.approved}名，实有{account.occupied}名，"
        f"预留{account.reserved}名，空编{max(vacancy, 0)}名"
    )


# --- permits -----------------------------------------------------------------------


def plan_line_for(
    *, account: QuotaAccount, channel: str, ref, today: dt.date, lock: bool
) -> PlanLine | None:
    """The plan line a permit converts: the one named (VALUE_INVALID if it does
    not match account and channel), else this year's line of the same account
    and channel that still holds a reservation (never a second reservation
    beside a plan's), or else one planned against credits with count left."""
    qs = PlanLine.objects.filter(
        account=account, channel=channel, plan__status=RecruitmentPlan.Status.APPROVED
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    if ref:
        line = qs.filter(pk=ref).first()
        if line is None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "所引计划明细与申请不符", field="plan_line_id"
            )
        return line
    # A line planned against credits holds no reservation but is still the
    # plan the permit executes (form 7), while it has count left.
    return (
        qs.filter(plan__year=today.year)
        .filter(Q(reserved__gt=0) | Q(by_credit=True, converted__lt=F("count")))
        .order_by("-reserved", "pk")
        .first()
    )


def credits_free(account: QuotaAccount, today: dt.date) -> int:
    """The intake credits of this year not yet promised to an active permit."""
    if account.credits_year != today.year:
        return 0
    promised = (
        Permit.objects.filter(
            account=account,
            by_credit=True,
            status=Permit.Status.ACTIVE,
            valid_until__gte=today,
        ).aggregate(left=Sum(F("count") - F("used")))["left"]
        or 0
    )
    return max(account.intake_credits - promised, 0)


def capacity_backing(
    account: QuotaAccount,
    *,
    count: int,
    fresh: int,
    credits: Callable[[], int],
    credit_allowed: bool,
    action: str,
    shortfall: str,
    field: str,
) -> bool:
    """What backs `count` new intakes promised to `account` (a plan line or a
    permit), of which `fresh` need vacancies not already held for them:
    False = vacancies (reserved), True = intake credits.

    Vacancy first. An account full or over by occupation under the region's
    N-out-1-in policy may instead be promised up to its `credits()` (the
    caller says which are still free). Else QUOTA_OVER_NO_INTAKE or
    QUOTA_FULL with the live numbers — the same words at submission and at
    the final approval. `action` (计划/核准) and `shortfall` word them."""
    vacancy = account.approved - account.occupied - account.reserved
    if fresh <= max(vacancy, 0):
        return False
    policy = account.region.over_quota_policy if account.region_id else ""
    if (
        credit_allowed
        and account.occupied >= account.approved
        and policy == "n_out_1_in"
    ):
        free = credits()
        if count <= free:
            return True
        raise ApplicationError(
            ErrorCode.QUOTA_OVER_NO_INTAKE,
            f"{numbers(account)}，已超编或满编，按本地区“出N进1”政策本年度尚可"
            f"{action}{free}名（出编换得的进人额度，已扣除已{action}占用），"
            f"申请{count}名",
            field=field,
            params={"credits": free, "count": count},
        )
    if account.occupied > account.approved:
        raise ApplicationError(
            ErrorCode.QUOTA_OVER_NO_INTAKE,
            f"{numbers(account)}，超编{account.occupied - account.approved}名，"
            f"消化超编前不得{action}进人",
            field=field,
        )
    raise ApplicationError(
        ErrorCode.QUOTA_FULL,
        f"{numbers(account)}，{shortfall}",
        field=field,
        params={
            "approved": account.approved,
            "occupied": account.occupied,
            "reserved": account.reserved,
            "vacancy": max(vacancy, 0),
            "count": fresh,
        },
    )


def permit_backing(
    account: QuotaAccount, count: int, converted: int, today: dt.date
) -> bool:
    """How a permit of `count` (of which `converted` come from its plan line's
    reservation) is backed (capacity_backing). Credits never mix with a
    plan's reservation: a line that still holds vacancies is not an
    over-quota account's line."""
    return capacity_backing(
        account,
        count=count,
        fresh=count - converted,
        credits=lambda: credits_free(account, today),
        credit_allowed=not converted,
        action="核准",
        shortfall=f"计划预留可转入{converted}名，不足申请{count}名",
        field="count",
    )


def valid_until_by_credit(valid_from: dt.date) -> dt.date:
    """A credit is valid to the end of its year (DOMAIN §3.4); so is the
    permit it backs, if that comes before the six months."""
    return min(valid_until_for(valid_from), dt.date(valid_from.year, 12, 31))


def _issue(
    *,
    unit_id: int,
    account_id,
    channel: str,
    count: int,
    plan_line_ref,
    today: dt.date,
    number: str,
    request_id: int | None,
    doc_no: str = "",
) -> tuple[Permit, list[dict]]:
    """The permit, converting its plan line's reservation and reserving the
    rest, or backed by intake credits (permit_backing). Inside the caller's
    transaction; nothing is written when it refuses."""
    # The roster's lock order: the unit first, then its account. An intake of
    # the same unit locks them in that order; locking the account first here
    # (and the unit implicitly by the Permit's foreign key) could deadlock.
    Unit.objects.select_for_update().filter(pk=unit_id).first()
    account = unit_account(unit_id, account_id, lock=True)
    line = plan_line_for(
        account=account, channel=channel, ref=plan_line_ref, today=today, lock=True
    )
    converted = min(count, line.reserved) if line is not None else 0
    by_credit = permit_backing(account, count, converted, today)
    changes: list[dict] = []
    if line is not None:
        before = audit.snapshot(line)
        line.reserved -= converted
        line.converted = min(line.count, line.converted + count)
        line.save(update_fields=["reserved", "converted"])
        changes.append(audit.change(line, before, audit.snapshot(line)))
    fresh = count - converted
    if fresh and not by_credit:
        # The conditional UPDATE is the guard; permit_backing read the same
        # locked row, so this refuses only on a counter that moved under it.
        changes.append(occupancy.reserve(account, amount=fresh))
    permit = Permit.objects.create(
        number=number,
        unit_id=unit_id,
        account=account,
        channel=channel,
        count=count,
        valid_from=today,
        valid_until=(valid_until_by_credit if by_credit else valid_until_for)(today),
        plan_line=line,
        converted=converted,
        by_credit=by_credit,
        request_id=request_id,
        doc_no=doc_no,
    )
    changes.append(audit.change(permit, None, audit.snapshot(permit)))
    return permit, changes


def permit_issue(request, actor: Actor, today: dt.date) -> list[dict]:
    """Effect of "quota_use": the permit (see _issue). Refused with the live
    numbers if the unit's vacancy (or credits) no longer covers it."""
    payload = request.payload
    _, changes = _issue(
        unit_id=request.unit_id,
        account_id=payload.get("account_id"),
        channel=str(payload.get("channel") or ""),
        count=positive_count(payload.get("count"), "count"),
        plan_line_ref=payload.get("plan_line_id"),
        today=today,
        number=request.serial or f"用编核准-{request.pk}",
        request_id=request.pk,
    )
    return changes


def permit_record(
    *,
    actor: Actor,
    unit_id: int,
    account_id: int,
    channel: str,
    count: int,
    doc_no: str,
    number: str,
    today: dt.date,
    summary: str = "",
) -> Permit:
    """Record a permit approved outside the platform (on paper before it went
    live; the demo's history), under its approval's document number.

    System only: an office user applies through quota_use. The permit
    reserves (or is backed by credits) exactly like an issued one."""
    if not actor.is_system:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN, "历史用编核准只能由系统补录", field="actor"
        )
    doc_no = (doc_no or "").strip()
    if not doc_no:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "批准文号", field="doc_no")
    with transaction.atomic():
        permit, changes = _issue(
            unit_id=unit_id,
            account_id=account_id,
            channel=channel,
            count=positive_count(count, "count"),
            plan_line_ref=None,
            today=today,
            number=number,
            request_id=None,
            doc_no=doc_no,
        )
        audit.record(
            actor=actor,
            operation="permit_record",
            records=changes,
            doc_no=doc_no,
            summary=summary or f"补录用编核准{number}（{count}名）",
        )
    return permit


def _refuse_unusable(permit: Permit, today: dt.date, n: int) -> None:
    if permit.status == Permit.Status.EXPIRED or permit.valid_until < today:
        raise ApplicationError(
            ErrorCode.PERMIT_EXPIRED,
            f"用编核准{permit.number}有效期至{permit.valid_until}",
            field="permit",
        )
    if permit.status == Permit.Status.CANCELLED:
        raise ApplicationError(
            ErrorCode.PERMIT_REQUIRED, f"用编核准{permit.number}已撤销", field="permit"
        )
    raise ApplicationError(
        ErrorCode.PERMIT_EXHAUSTED,
        f"用编核准{permit.number}核准{permit.count}名，已使用{permit.used}名，"
        f"剩余{permit.remaining}名，不足{n}名",
        field="permit",
        params={"count": permit.count, "used": permit.used, "need": n},
    )


def permit_use(*, permit: Permit, count: int = 1, today: dt.date) -> dict:
    """Consume `count` of the permit (inside the caller's transaction).

    One conditional UPDATE: two enrollments racing for the last slot cannot
    both pass. The caller's intake converts the reservation in the account."""
    n = positive_count(count, "count")
    before = audit.snapshot(permit)
    rows = Permit.objects.filter(
        pk=permit.pk,
        status=Permit.Status.ACTIVE,
        valid_until__gte=today,
        used__lte=F("count") - n,
    ).update(used=F("used") + n)
    permit.refresh_from_db()
    if rows != 1:
        _refuse_unusable(permit, today, n)
    if permit.used == permit.count:
        Permit.objects.filter(pk=permit.pk).update(status=Permit.Status.EXHAUSTED)
        permit.status = Permit.Status.EXHAUSTED
    return audit.change(permit, before, audit.snapshot(permit))


# Effects of a cancellation registered by layers above (documents voids the
# permit's PDF): fn(permit, reason) -> audit changes, in the same transaction.
_cancel_effects: list = []


def register_cancel_effect(fn) -> None:
    if fn not in _cancel_effects:
        _cancel_effects.append(fn)


def permit_cancel(
    *, actor: Actor, permit_id: int, reason: str, today: dt.date
) -> Permit:
    """撤销: the office withdraws an active permit (the recruitment was called
    off, the unit gave it back). What it still holds is released at once and
    its documents are voided; intakes already made stay. One audit event."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "撤销原因", field="reason")
    if not actor.is_office:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅编办人员可撤销用编核准")
    with transaction.atomic():
        unit_id = (
            Permit.objects.filter(pk=permit_id)
            .values_list("unit_id", flat=True)
            .first()
        )
        if unit_id is None:
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE, "用编核准不存在")
        # The roster's lock order: unit, then (through the permit) its account.
        Unit.objects.select_for_update().filter(pk=unit_id).first()
        permit = Permit.objects.select_for_update().get(pk=permit_id)
        state = state_on(permit, today)
        if state != Permit.Status.ACTIVE:
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN,
                f"用编核准{permit.number}{Permit.Status(state).label}，不能撤销",
                field="permit",
            )
        left = permit.remaining
        changes = _end(permit, Permit.Status.CANCELLED)
        for effect in _cancel_effects:
            changes += effect(permit, reason)
        audit.record(
            actor=actor,
            operation="permit_cancel",
            records=changes,
            doc_no=permit.number,
            summary=f"撤销用编核准{permit.number}，释放{_held(permit)}{left}名："
            f"{reason[:100]}",
        )
    return permit


def _end(permit: Permit, status: str) -> list[dict]:
    """Give one locked, active permit its final `status` (expired, cancelled)
    and release the reservation it still holds (a credit permit holds none;
    each intake already converted its own)."""
    before = audit.snapshot(permit)
    left = permit.remaining
    permit.status = status
    permit.save(update_fields=["status"])
    changes = [audit.change(permit, before, audit.snapshot(permit))]
    if left and not permit.by_credit:
        account = QuotaAccount.objects.select_for_update().get(pk=permit.account_id)
        changes.append(occupancy.unreserve(account, amount=min(left, account.reserved)))
    return changes


def _held(permit: Permit) -> str:
    return "进人额度" if permit.by_credit else "预留"


def permit_expire(*, actor: Actor, today: dt.date) -> list[str]:
    """Daily: active permits past valid_until expire; one audit event."""
    lines: list[str] = []
    with transaction.atomic():
        stale = list(
            Permit.objects.select_for_update()
            .filter(status=Permit.Status.ACTIVE, valid_until__lt=today)
            .order_by("pk")
        )
        if not stale:
            return []
        changes: list[dict] = []
        for permit in stale:
            left = permit.remaining
            changes += _end(permit, Permit.Status.EXPIRED)
            lines.append(f"用编核准{permit.number}已过期，释放{_held(permit)}{left}名")
        audit.record(
            actor=actor,
            operation="permit_expire",
            records=changes,
            summary=f"用编核准过期{len(stale)}件",
        )
    return lines


def permits_current(*, unit_id: int, today: dt.date, actor: Actor | None = None):
    """The unit's permits, expiring stale ones first (lazily on read)."""
    if Permit.objects.filter(
        unit_id=unit_id, status=Permit.Status.ACTIVE, valid_until__lt=today
    ).exists():
        permit_expire(actor=actor or Actor.system(), today=today)
    return Permit.objects.filter(unit_id=unit_id).order_by("-valid_from", "pk")


def usable_permit(
    *, unit_id: int, account_id: int, channel: str, today: dt.date, ref=None
) -> Permit | None:
    """The permit an intake may use: the one named by `ref` (Permit, pk or
    number) or else the oldest active one covering unit, account and channel."""
    qs = Permit.objects.filter(unit_id=unit_id, account_id=account_id, channel=channel)
    if isinstance(ref, Permit):
        qs = qs.filter(pk=ref.pk)
    elif isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        qs = qs.filter(Q(pk=int(ref)) | Q(number=str(ref)))
    elif ref:
        qs = qs.filter(number=str(ref))
    else:
        qs = qs.filter(status=Permit.Status.ACTIVE, valid_until__gte=today)
    return qs.order_by("valid_until", "pk").first()


def reserved_mismatches() -> list[tuple[int, int, int]]:
    """(account id, reserved, held) for each unit account whose `reserved`
    counter differs from what approved plan lines and active permits hold
    (permits backed by credits hold nothing)."""
    expected: dict[int, int] = {}
    for account_id, held in PlanLine.objects.filter(
        plan__status=RecruitmentPlan.Status.APPROVED, reserved__gt=0
    ).values_list("account_id", "reserved"):
        expected[account_id] = expected.get(account_id, 0) + held
    for account_id, count, used in Permit.objects.filter(
        status=Permit.Status.ACTIVE, by_credit=False
    ).values_list("account_id", "count", "used"):
        expected[account_id] = expected.get(account_id, 0) + count - used
    return [
        (pk, reserved, expected.get(pk, 0))
        for pk, reserved in QuotaAccount.objects.filter(
            Q(reserved__gt=0) | Q(pk__in=list(expected))
        )
        .order_by("pk")
        .values_list("pk", "reserved")
        if reserved != expected.get(pk, 0)
    ]


def reserved_problems() -> list[str]:
    return [
        f"编制账户{pk}预留数为{reserved}，计划与核准实际预留{held}"
        for pk, reserved, held in reserved_mismatches()
    ]

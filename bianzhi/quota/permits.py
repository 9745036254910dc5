"""Recruitment plans and quota-use permits (DOMAIN §4 items 1–2).

Reservations. An approved plan line reserves its count in the account
(QuotaAccount.reserved, through occupancy.reserve: a conditional UPDATE that
vacancy must cover). A permit drawn on a plan line CONVERTS that line's
reservation (the line's `reserved` goes down, the account counter does not
move) and reserves afresh only what the line no longer holds. While active a
permit holds count − used; each intake turns one into the posting
(occupancy.occupy "permit_reservation": occupied +1, reserved −1). Expiry
releases what is left.

The effects (plan_approve, permit_issue) run inside the final approval's
transaction and return their audit changes (approvals/engine.py); permit_use
runs inside the enrollment's transaction (roster permit hook) and also
returns changes; permit_expire is the daily job and records one event.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import transaction
from django.db.models import F, Q

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit

from . import occupancy
from .models import Permit, PlanLine, QuotaAccount, RecruitmentPlan

PERMIT_VALID_MONTHS = 6  # VALUES.md: permit validity 6 months


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(valid_from: dt.date) -> dt.date:
    """Six months, the last day inclusive (2026-03-02 → 2026-09-01)."""
    return add_months(valid_from, PERMIT_VALID_MONTHS) - dt.timedelta(days=1)


def _count(value, field: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "人数须为正整数", field=field
        ) from None
    if n < 1:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "人数须为正整数", field=field)
    return n


def _account(unit_id: int | None, account_id, *, lock: bool) -> QuotaAccount:
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


# --- plans -------------------------------------------------------------------------


def plan_lines(payload: dict) -> list[dict]:
    lines = payload.get("lines") or []
    if not isinstance(lines, list) or not lines:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "计划明细", field="lines")
    out = []
    for i, line in enumerate(lines):
        if not isinstance(line, dict) or not line.get("channel"):
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, f"第{i + 1}行进入方式", field="lines"
            )
        out.append(
            {
                "account_id": line.get("account_id"),
                "channel": str(line["channel"]),
                "count": _count(line.get("count"), "lines"),
            }
        )
    return out


def plan_year(payload: dict) -> int:
    try:
        return int(payload.get("year"))
    except (TypeError, ValueError):
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "计划年度", field="year"
        ) from None


def check_plan_line(account: QuotaAccount, count: int, today: dt.date) -> bool:
    """True when the line is planned against intake credits (no reservation).

    An over-quota (or full-by-occupation) account may plan only up to the
    intake credits earned this year under the region's N-out-1-in policy."""
    vacancy = account.approved - account.occupied - account.reserved
    if vacancy >= count:
        return False
    over_or_full = account.occupied >= account.approved
    policy = account.region.over_quota_policy if account.region_id else ""
    credits = account.intake_credits if account.credits_year == today.year else 0
    if over_or_full and policy == "n_out_1_in":
        if count <= credits:
            return True
        raise ApplicationError(
            ErrorCode.QUOTA_OVER_NO_INTAKE,
            f"{numbers(account)}，已超编或满编，按本地区“出N进1”政策"
            f"本年度仅可计划{credits}名（出编换得的进人额度），申报{count}名",
            field="lines",
            params={"credits": credits, "count": count},
        )
    if account.occupied > account.approved:
        raise ApplicationError(
            ErrorCode.QUOTA_OVER_NO_INTAKE,
            f"{numbers(account)}，超编{account.occupied - account.approved}名，"
            "消化超编前不得计划进人",
            field="lines",
        )
    raise ApplicationError(
        ErrorCode.QUOTA_FULL,
        f"{numbers(account)}，不足计划{count}名",
        field="lines",
        params={"vacancy": max(vacancy, 0), "count": count},
    )


def plan_approve(request, actor: Actor, today: dt.date) -> list[dict]:
    """Effect of "recruitment_plan": the plan, its lines and their reservations."""
    year = plan_year(request.payload)
    lines = plan_lines(request.payload)
    plan = RecruitmentPlan.objects.create(
        unit_id=request.unit_id, year=year, request_id=request.pk, approved_on=today
    )
    changes = [audit.change(plan, None, audit.snapshot(plan))]
    # Lock accounts in id order: two plans of one unit never deadlock.
    for line in sorted(lines, key=lambda x: int(x["account_id"] or 0)):
        account = _account(request.unit_id, line["account_id"], lock=True)
        by_credit = check_plan_line(account, line["count"], today)
        row = PlanLine.objects.create(
            plan=plan,
            account=account,
            channel=line["channel"],
            count=line["count"],
            reserved=0 if by_credit else line["count"],
            by_credit=by_credit,
        )
        changes.append(audit.change(row, None, audit.snapshot(row)))
        if not by_credit:
            changes.append(occupancy.reserve(account, amount=line["count"]))
    return changes


# --- permits -----------------------------------------------------------------------


def plan_line_for(
    *, account: QuotaAccount, channel: str, ref, today: dt.date, lock: bool
) -> PlanLine | None:
    """The plan line a permit converts: the one named (VALUE_INVALID if it does
    not match account and channel), else this year's line of the same account
    and channel that still holds a reservation — never a second reservation
    beside a plan's."""
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
    return qs.filter(plan__year=today.year, reserved__gt=0).order_by("pk").first()


def permit_issue(request, actor: Actor, today: dt.date) -> list[dict]:
    """Effect of "quota_use": the permit, converting the plan line's reservation
    and reserving the rest. Refused with the live numbers if the unit's
    vacancy no longer covers it (QUOTA_FULL, nothing changes)."""
    payload = request.payload
    count = _count(payload.get("count"), "count")
    # The roster's lock order: the unit first, then its account. An intake of
    # the same unit locks them in that order; locking the account first here
    # (and the unit implicitly by the Permit's foreign key) could deadlock.
    Unit.objects.select_for_update().filter(pk=request.unit_id).first()
    account = _account(request.unit_id, payload.get("account_id"), lock=True)
    channel = str(payload.get("channel") or "")
    changes: list[dict] = []
    converted = 0
    line = plan_line_for(
        account=account,
        channel=channel,
        ref=payload.get("plan_line_id"),
        today=today,
        lock=True,
    )
    if line is not None:
        before = audit.snapshot(line)
        converted = min(count, line.reserved)
        line.reserved -= converted
        line.converted = min(line.count, line.converted + count)
        line.save(update_fields=["reserved", "converted"])
        changes.append(audit.change(line, before, audit.snapshot(line)))
    fresh = count - converted
    if fresh:
        try:
            changes.append(occupancy.reserve(account, amount=fresh))
        except ApplicationError:
            account.refresh_from_db()
            raise ApplicationError(
                ErrorCode.QUOTA_FULL,
                f"{numbers(account)}，不足核准{fresh}名，不能批准",
                field="count",
                params={
                    "approved": account.approved,
                    "occupied": account.occupied,
                    "reserved": account.reserved,
                    "count": fresh,
                },
            ) from None
    permit = Permit.objects.create(
        number=request.serial or f"用编核准-{request.pk}",
        unit_id=request.unit_id,
        account=account,
        channel=channel,
        count=count,
        valid_from=today,
        valid_until=valid_until_for(today),
        plan_line=line,
        converted=converted,
        request_id=request.pk,
    )
    changes.append(audit.change(permit, None, audit.snapshot(permit)))
    return changes


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
    n = _count(count, "count")
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


def _expire_one(permit: Permit) -> list[dict]:
    """Mark one locked, overdue permit expired and release what it holds."""
    before = audit.snapshot(permit)
    left = permit.count - permit.used
    permit.status = Permit.Status.EXPIRED
    permit.save(update_fields=["status"])
    changes = [audit.change(permit, before, audit.snapshot(permit))]
    if left:
        account = QuotaAccount.objects.select_for_update().get(pk=permit.account_id)
        # The intake converted its reservation; what is left is still held.
        changes.append(occupancy.unreserve(account, amount=min(left, account.reserved)))
    return changes


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
            left = permit.count - permit.used
            changes += _expire_one(permit)
            lines.append(f"用编核准{permit.number}已过期，释放预留{left}名")
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


def plan_lapse(*, actor: Actor, today: dt.date) -> list[str]:
    """Daily: a plan's reservation not converted by the end of its year is
    released (the next year's plan reserves afresh); one audit event."""
    with transaction.atomic():
        lines = list(
            PlanLine.objects.select_for_update()
            .filter(plan__year__lt=today.year, reserved__gt=0)
            .order_by("account_id", "pk")
        )
        if not lines:
            return []
        changes: list[dict] = []
        out: list[str] = []
        for line in lines:
            before = audit.snapshot(line)
            held, line.reserved = line.reserved, 0
            line.save(update_fields=["reserved"])
            changes.append(audit.change(line, before, audit.snapshot(line)))
            account = QuotaAccount.objects.select_for_update().get(pk=line.account_id)
            changes.append(
                occupancy.unreserve(account, amount=min(held, account.reserved))
            )
            out.append(f"用编计划明细{line.pk}年度已过，释放预留{held}名")
        audit.record(
            actor=actor,
            operation="plan_lapse",
            records=changes,
            summary=f"年度用编计划到期释放预留{len(lines)}项",
        )
    return out


def reserved_problems() -> list[str]:
    """For `bianzhi check`: each unit account's `reserved` counter against what
    the approved plan lines and active permits hold."""
    expected: dict[int, int] = {}
    for account_id, held in PlanLine.objects.filter(
        plan__status=RecruitmentPlan.Status.APPROVED, reserved__gt=0
    ).values_list("account_id", "reserved"):
        expected[account_id] = expected.get(account_id, 0) + held
    for account_id, count, used in Permit.objects.filter(
        status=Permit.Status.ACTIVE
    ).values_list("account_id", "count", "used"):
        expected[account_id] = expected.get(account_id, 0) + count - used
    problems = []
    for account in QuotaAccount.objects.filter(
        Q(reserved__gt=0) | Q(pk__in=list(expected))
    ).order_by("pk"):
        want = expected.get(account.pk, 0)
        if account.reserved != want:
            problems.append(
                f"编制账户{account.pk}预留数为{account.reserved}，"
                f"计划与核准实际预留{want}"
            )
    return problems

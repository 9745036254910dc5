"""Invariants of the quota ledger, recomputed from the entries (`bianzhi check`).

Only violations are reported. An over-quota account after a reform reduction
is a legal, flagged state and is not a problem; an over-quota account without
the flag is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from . import rules, selectors
from .ledger_accounts import account_label
from .models import HolderKind, Loan, QuotaAccount, QuotaEntry, QuotaMovement
from .permits import reserved_mismatches


def _problem(code: str, message: str, obj: str) -> dict:
    return {"code": code, "message": message, "object": obj}


def _labels(ids) -> dict[int, str]:
    return {
        a.pk: account_label(a)
        for a in QuotaAccount.objects.select_related("unit", "category").filter(
            pk__in=list(ids)
        )
    }


def _counters() -> list[dict]:
    sums = dict(
        QuotaEntry.objects.values_list("account_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    bad, negative = [], []
    for pk, kind, approved in QuotaAccount.objects.values_list(
        "id", "holder_kind", "approved"
    ):
        if approved != sums.get(pk, 0):
            bad.append((pk, approved, sums.get(pk, 0)))
        if approved < 0 and kind != HolderKind.EXTERNAL:
            negative.append((pk, approved))
    labels = _labels([b[0] for b in bad] + [n[0] for n in negative])
    out = [
        _problem(
            "QUOTA_COUNTER_MISMATCH",
            f"编制账户{labels[pk]}核定数{approved}与分录合计{total}不一致",
            f"QuotaAccount:{pk}",
        )
        for pk, approved, total in bad
    ]
    out += [
        _problem(
            "QUOTA_NEGATIVE_BALANCE",
            f"编制账户{labels[pk]}余额为负（{approved}）",
            f"QuotaAccount:{pk}",
        )
        for pk, approved in negative
    ]
    return out


def _history() -> list[dict]:
    """A non-external balance may never have been negative at any date."""
    rows = (
        QuotaEntry.objects.exclude(account__holder_kind=HolderKind.EXTERNAL)
        .values_list("account_id", "effective_date")
        .annotate(s=Sum("amount"))
        .order_by("account_id", "effective_date")
    )
    found: dict[int, tuple[dt.date, int]] = {}
    current, balance = None, 0
    for pk, day, amount in rows:
        if pk != current:
            current, balance = pk, 0
        balance += amount
        if balance < 0 and pk not in found:
            found[pk] = (day, balance)
    labels = _labels(found)
    return [
        _problem(
            "QUOTA_NEGATIVE_HISTORY",
            f"编制账户{labels[pk]}在{day}余额为负（{balance}）",
            f"QuotaAccount:{pk}",
        )
        for pk, (day, balance) in found.items()
    ]


def _movements(today: dt.date) -> list[dict]:
    out = []
    unbalanced = (
        QuotaEntry.objects.values(
            "movement_id", "account__category_id", "account__funding"
        )
        .annotate(s=Sum("amount"))
        .exclude(s=0)
        .order_by("movement_id")
    )
    for row in unbalanced:
        out.append(
            _problem(
                "QUOTA_UNBALANCED",
                f"第{row['movement_id']}号编制变动在{row['account__category_id']}·"
                f"{rules.FUNDING_LABELS.get(row['account__funding'])}上借贷不平衡"
                f"（差额{row['s']:+d}）",
                f"QuotaMovement:{row['movement_id']}",
            )
        )
    for pk in (
        QuotaEntry.objects.exclude(account__region_id=F("movement__region_id"))
        .values_list("movement_id", flat=True)
        .distinct()
    ):
        out.append(
            _problem(
                "QUOTA_REGION_MISMATCH",
                f"第{pk}号编制变动的分录涉及其他行政区划的账户",
                f"QuotaMovement:{pk}",
            )
        )
    counted = QuotaMovement.objects.annotate(n=Count("entries"))
    for pk, status in counted.filter(
        Q(status=QuotaMovement.Status.APPLIED, n=0)
        | (~Q(status=QuotaMovement.Status.APPLIED) & Q(n__gt=0))
    ).values_list("id", "status"):
        what = "已入账却没有分录" if status == "applied" else "未入账却已有分录"
        out.append(
            _problem(
                "QUOTA_MOVEMENT_ENTRIES",
                f"第{pk}号编制变动{what}",
                f"QuotaMovement:{pk}",
            )
        )
    for pk, day, doc_no in QuotaMovement.objects.filter(
        status=QuotaMovement.Status.PENDING, effective_date__lt=today
    ).values_list("id", "effective_date", "doc_no"):
        out.append(
            _problem(
                "QUOTA_PENDING_OVERDUE",
                f"第{pk}号编制变动（{doc_no}）应于{day}生效，尚未入账（请运行 bianzhi daily）",
                f"QuotaMovement:{pk}",
            )
        )
    return out


def _conservation() -> list[dict]:
    """Per region × category × funding the balances of all holders sum to zero."""
    rows = (
        QuotaAccount.objects.values("region_id", "category_id", "funding")
        .annotate(s=Sum("approved"))
        .exclude(s=0)
        .order_by("region_id", "category_id", "funding")
    )
    return [
        _problem(
            "QUOTA_NOT_CONSERVED",
            f"行政区划{row['region_id']}的{row['category_id']}·"
            f"{rules.FUNDING_LABELS.get(row['funding'])}各账户合计为{row['s']}，"
            "应为0（总量控制数与各账户之和不符）",
            f"Region:{row['region_id']}",
        )
        for row in rows
    ]


def _loans() -> list[dict]:
    loans = list(Loan.objects.all())
    expected = selectors.loan_outstanding_as_of(loans)
    return [
        _problem(
            "LOAN_OUTSTANDING_MISMATCH",
            f"第{loan.pk}笔周转池借用未归还数{loan.outstanding}与分录推算的"
            f"{expected[loan.pk]}不一致",
            f"Loan:{loan.pk}",
        )
        for loan in loans
        if loan.outstanding != expected[loan.pk]
    ]


def _holdings() -> list[dict]:
    out = []
    accounts = QuotaAccount.objects.filter(holder_kind=HolderKind.UNIT).select_related(
        "unit", "category"
    )
    for account in accounts.filter(~Q(approved=0) | Q(occupied__gt=0)):
        unit, category = account.unit, account.category
        obj = f"QuotaAccount:{account.pk}"
        label = account_label(account)
        if account.approved and not unit.is_active:
            out.append(
                _problem(
                    "QUOTA_INACTIVE_UNIT_HOLDS",
                    f"{unit.name}已撤销或合并，仍持有{label}{account.approved}名",
                    obj,
                )
            )
        if account.approved and (
            unit.kind not in category.allowed_unit_kinds
            or (category.full_funding_only and account.funding != "full")
        ):
            out.append(
                _problem(
                    "QUOTA_CATEGORY_NOT_ALLOWED",
                    f"{unit.get_kind_display()}{unit.name}不得持有{label}",
                    obj,
                )
            )
        if account.occupied > account.approved and account.over_since is None:
            out.append(
                _problem(
                    "QUOTA_OVER_UNFLAGGED",
                    f"{label}实有{account.occupied}名超过核定{account.approved}名，"
                    "但未标记超编",
                    obj,
                )
            )
    return out


def _reservations() -> list[dict]:
    """reserved = held by approved plans and permits not yet used (DOMAIN §2)."""
    found = reserved_mismatches()
    labels = _labels(pk for pk, _, _ in found)
    return [
        _problem(
            "QUOTA_RESERVED_MISMATCH",
            f"{labels[pk]}预留数为{reserved}，用编计划与有效核准实际预留{held}",
            f"QuotaAccount:{pk}",
        )
        for pk, reserved, held in found
    ]


def problems(*, today: dt.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    return (
        _counters()
        + _history()
        + _movements(today)
        + _conservation()
        + _loans()
        + _holdings()
        + _reservations()
    )


def summary() -> dict[str, int]:
    """Counts for the check report's header line."""
    counts = defaultdict(int)
    counts["accounts"] = QuotaAccount.objects.count()
    counts["movements"] = QuotaMovement.objects.count()
    counts["entries"] = QuotaEntry.objects.count()
    return dict(counts)

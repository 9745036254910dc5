"""Invariants of the roster, recomputed from the rows (`bianzhi check`).

Set-based queries only: the check must stay fast at 200,000 persons.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.utils import timezone

from bianzhi.orgs.models import Unit
from bianzhi.quota.ledger_accounts import account_label
from bianzhi.quota.models import (
    HolderKind,
    LeaderKind,
    LeaderLevel,
    LeaderPostQuota,
    QuotaAccount,
)

from .models import Appointment, OffQuotaStaff, Posting
from .selectors import active_postings_by_account, in_force


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
    """occupied == active postings per account; reserved >= 0."""
    active = active_postings_by_account()
    bad = [
        (pk, occupied, active.get(pk, 0))
        for pk, occupied in QuotaAccount.objects.values_list("id", "occupied")
        if occupied != active.get(pk, 0)
    ]
    negative = list(
        QuotaAccount.objects.filter(reserved__lt=0).values_list("id", "reserved")
    )
    labels = _labels([b[0] for b in bad] + [n[0] for n in negative])
    out = [
        _problem(
            "ROSTER_OCCUPIED_MISMATCH",
            f"编制账户{labels[pk]}实有人数{occupied}与在编记录{count}人不一致",
            f"QuotaAccount:{pk}",
        )
        for pk, occupied, count in bad
    ]
    out += [
        _problem(
            "ROSTER_RESERVED_NEGATIVE",
            f"编制账户{labels[pk]}预留数为负（{reserved}）",
            f"QuotaAccount:{pk}",
        )
        for pk, reserved in negative
    ]
    return out


def _postings() -> list[dict]:
    out = []
    doubles = (
        Posting.objects.filter(end_date__isnull=True)
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in doubles:
        out.append(
            _problem(
                "ROSTER_PERSON_POSTED_TWICE",
                f"人员{row['person_id']}同时有{row['n']}条在编记录",
                f"Person:{row['person_id']}",
            )
        )
    for pk in (
        Posting.objects.exclude(unit_id=F("account__unit_id"))
        .values_list("id", flat=True)
        .order_by("id")
    ):
        out.append(
            _problem(
                "ROSTER_POSTING_UNIT_MISMATCH",
                f"第{pk}号在编记录的单位与编制账户所属单位不一致",
                f"Posting:{pk}",
            )
        )
    for pk in (
        Posting.objects.filter(end_date__isnull=True)
        .exclude(account__holder_kind=HolderKind.UNIT)
        .values_list("id", flat=True)
    ):
        out.append(
            _problem(
                "ROSTER_POSTING_NOT_UNIT",
                f"第{pk}号在编记录占用的不是单位编制账户",
                f"Posting:{pk}",
            )
        )
    for pk, title in (
        Appointment.objects.filter(end_date__isnull=True)
        .filter(Q(posting__end_date__isnull=False) | ~Q(unit_id=F("posting__unit_id")))
        .values_list("id", "title")
    ):
        out.append(
            _problem(
                "ROSTER_APPOINTMENT_WITHOUT_POSTING",
                f"第{pk}号任职（{title}）没有本单位的在编记录",
                f"Appointment:{pk}",
            )
        )
    both = (
        OffQuotaStaff.objects.filter(end_date__isnull=True)
        .filter(
            id_number__in=Posting.objects.filter(end_date__isnull=True).values(
                "person__id_number"
            )
        )
        .values_list("id", "name")
    )
    for pk, name in both:
        out.append(
            _problem(
                "ROSTER_ON_AND_OFF_QUOTA",
                f"{name}既在编又登记为编外人员",
                f"OffQuotaStaff:{pk}",
            )
        )
    return out


def _appointments(today: dt.date) -> list[dict]:
    """Appointments within the leader-post count in force today.

    A lowering may leave more in use than the new count (legal, new
    appointments refused); today's use may then exceed the count only up to
    the use on the lowering's date — as quota.leader_posts.problems, but
    set-based (one query for the use, one for the versions).
    """
    fields = ("unit_id", "scope", "internal_body_id", "level", "kind")
    in_use = {
        tuple(row[f] for f in fields): row["n"]
        for row in Appointment.objects.filter(in_force(today))
        .values(*fields)
        .annotate(n=Count("id"))
        .order_by()
    }
    if not in_use:
        return []
    latest: dict[tuple, LeaderPostQuota] = {}
    for version in LeaderPostQuota.objects.filter(
        unit_id__in={key[0] for key in in_use}, effective_date__lte=today
    ).order_by("effective_date", "id"):
        latest[tuple(getattr(version, f) for f in fields)] = version
    out = []
    units = dict(
        Unit.objects.filter(pk__in={k[0] for k in in_use}).values_list("id", "name")
    )
    for key, n in sorted(in_use.items(), key=lambda item: str(item[0])):
        version = latest.get(key)
        count = version.count if version else 0
        if n <= count:
            continue
        if version is not None:
            filters = dict(zip(fields, key, strict=True))
            at_version = Appointment.objects.filter(
                in_force(version.effective_date), **filters
            ).count()
            if n <= at_version:
                continue
        out.append(
            _problem(
                "LEADER_POSTS_FULL",
                f"{units.get(key[0], key[0])}{LeaderLevel(key[3]).label}"
                f"{LeaderKind(key[4]).label}职数{count}名，已配备{n}名",
                f"unit:{key[0]}",
            )
        )
    return out


def problems(*, today: dt.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    return _counters() + _postings() + _appointments(today)

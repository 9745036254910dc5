"""Leader appointments (职数使用, DOMAIN §3.3): appointments ≤ quota at every date.

The unit row is the leader posts' lock: leader_posts_set and these services
take it before counting, so two appointments into the last post queue and the
second one counts the first.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import InternalBody, Unit
from bianzhi.quota import leader_posts
from bianzhi.quota.models import (
    LeaderKind,
    LeaderLevel,
    LeaderPostQuota,
    LeaderPostScope,
)

from .models import Appointment, Posting
from .selectors import in_force
from .services_common import (
    check_backdate,
    clean_doc_no,
    date_arg,
    lock_person,
    lock_units,
    pk_of,
    require_active,
    require_office,
    save,
    today_or_default,
)

_FK = ["person", "posting", "unit", "internal_body"]


def _choice(value, choices, *, field: str, label: str) -> str:
    text = str(value or "").strip()
    for code, name in choices:
        if text in (code, name):
            return code
    raise ApplicationError(
        ErrorCode.VALUE_INVALID,
        f"{label}「{text}」无效，可选：{'、'.join(name for _, name in choices)}",
        field=field,
    )


def _key_filter(scope: str, body_id: int | None, level: str, kind: str) -> dict:
    return {"scope": scope, "internal_body_id": body_id, "level": level, "kind": kind}


def check_leader_posts(
    unit: Unit,
    *,
    scope: str,
    body_id: int | None,
    level: str,
    kind: str,
    start: dt.date,
    exclude_id: int | None = None,
) -> None:
    """LEADER_POSTS_FULL unless one more appointment from `start` on fits the
    count in force at every date where the count or the use changes.

    Also refuses while a lowering has left more posts in use than its count
    (DOMAIN §3.2: new appointments wait until the excess is digested).
    """
    key = _key_filter(scope, body_id, level, kind)
    versions = LeaderPostQuota.objects.filter(unit=unit, **key)
    same_key = Appointment.objects.filter(unit=unit, **key)
    if exclude_id:
        same_key = same_key.exclude(pk=exclude_id)
    dates = {start}
    dates |= set(
        versions.filter(effective_date__gt=start).values_list(
            "effective_date", flat=True
        )
    )
    dates |= set(
        same_key.filter(start_date__gt=start).values_list("start_date", flat=True)
    )
    dates |= set(same_key.filter(end_date__gt=start).values_list("end_date", flat=True))
    label = (
        f"{LeaderLevel(level).label}{LeaderKind(kind).label}"
        f"（{LeaderPostScope(scope).label}）"
    )
    for day in sorted(dates):
        count = leader_posts.leader_post_count(
            unit, scope=scope, level=level, kind=kind, as_of=day, internal_body=body_id
        )
        in_use = same_key.filter(in_force(day)).count()
        if count is None or in_use + 1 > count:
            raise ApplicationError(
                ErrorCode.LEADER_POSTS_FULL,
                f"{unit.name}{label}于{day}核定{count or 0}名，已配备{in_use}名",
                field="level",
                params={
                    "on": day.isoformat(),
                    "count": count or 0,
                    "appointed": in_use,
                },
            )


def appointment_start(
    *,
    actor: Actor,
    posting,
    scope,
    level,
    kind,
    title: str,
    start_date,
    doc_no,
    internal_body=None,
    reason: str = "",
    today: dt.date | None = None,
) -> Appointment:
    """任职: a person in post in the unit takes a leader post of its quota."""
    today = today_or_default(today)
    require_office(actor, "领导职务任职（职数使用）")
    scope = _choice(scope, LeaderPostScope.choices, field="scope", label="职数范围")
    level = _choice(level, LeaderLevel.choices, field="level", label="职务层次")
    kind = _choice(kind, LeaderKind.choices, field="kind", label="正副职")
    title = str(title or "").strip()
    if not title:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "请填写职务名称", field="title"
        )
    doc_no = clean_doc_no(doc_no)
    start_date = date_arg(start_date, field="start_date", today=today, what="任职日期")
    check_backdate(
        actor, on=start_date, today=today, reason=reason, doc_no=doc_no, what="任职日期"
    )
    body_id = pk_of(internal_body)
    if scope == LeaderPostScope.INTERNAL_BODY and not body_id:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED,
            "内设机构领导职务须指明内设机构",
            field="internal_body",
        )
    if scope != LeaderPostScope.INTERNAL_BODY and body_id:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "单位领导职务和内设机构统筹职数不指明内设机构",
            field="internal_body",
        )
    current = Posting.objects.filter(pk=pk_of(posting)).first()
    if current is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "在编记录不存在", field="posting"
        )
    with transaction.atomic():
        person = lock_person(current.person_id)
        unit = lock_units([current.unit_id])[current.unit_id]
        current = Posting.objects.get(pk=current.pk)
        if current.end_date is not None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{person.name}已不在{unit.name}在编，不能任职",
                field="posting",
            )
        require_active(unit)
        if start_date < current.start_date:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"任职日期{start_date}早于在{unit.name}的入编日期{current.start_date}",
                field="start_date",
            )
        body = None
        if body_id:
            body = InternalBody.objects.filter(pk=body_id).first()
            if body is None or body.unit_id != unit.pk:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID,
                    f"该内设机构不属于{unit.name}",
                    field="internal_body",
                )
            if body.established_on > start_date or (
                body.abolished_on and body.abolished_on <= start_date
            ):
                raise ApplicationError(
                    ErrorCode.UNIT_INACTIVE,
                    f"内设机构{body.name}在{start_date}不存续",
                    field="internal_body",
                )
        key = _key_filter(scope, body_id, level, kind)
        if Appointment.objects.filter(
            person=person, end_date__isnull=True, **key
        ).exists():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{person.name}已担任该层次的领导职务",
                field="level",
            )
        check_leader_posts(
            unit, scope=scope, body_id=body_id, level=level, kind=kind, start=start_date
        )
        appointment = Appointment(
            person=person,
            posting=current,
            unit=unit,
            scope=scope,
            internal_body=body,
            level=level,
            kind=kind,
            title=title,
            start_date=start_date,
            doc_no=doc_no,
        )
        save(appointment, exclude=_FK)
        audit.record(
            actor=actor,
            operation="appointment_start",
            records=[audit.change(appointment, None, audit.snapshot(appointment))],
            doc_no=doc_no,
            summary=f"任职 {person.name} {unit.name}{title}"
            f"（{LeaderLevel(level).label}{LeaderKind(kind).label}，{start_date}）",
        )
    return appointment


def appointment_end(
    *,
    actor: Actor,
    appointment,
    end_date,
    doc_no,
    reason: str = "",
    today: dt.date | None = None,
) -> Appointment:
    """免职: the appointment ends on end_date (the first day out of the post)."""
    today = today_or_default(today)
    require_office(actor, "领导职务免职")
    doc_no = clean_doc_no(doc_no)
    end_date = date_arg(end_date, field="end_date", today=today, what="免职日期")
    check_backdate(
        actor, on=end_date, today=today, reason=reason, doc_no=doc_no, what="免职日期"
    )
    found = Appointment.objects.filter(pk=pk_of(appointment)).first()
    if found is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "任职记录不存在", field="appointment"
        )
    with transaction.atomic():
        person = lock_person(found.person_id)
        lock_units([found.unit_id])
        found = Appointment.objects.get(pk=found.pk)
        if found.end_date is not None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"该任职已于{found.end_date}结束",
                field="appointment",
            )
        if end_date < found.start_date:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"免职日期{end_date}早于任职日期{found.start_date}",
                field="end_date",
            )
        before = audit.snapshot(found)
        found.end_date, found.end_doc_no = end_date, doc_no
        found.save(update_fields=["end_date", "end_doc_no"])
        audit.record(
            actor=actor,
            operation="appointment_end",
            records=[audit.change(found, before, audit.snapshot(found))],
            doc_no=doc_no,
            summary=f"免职 {person.name} {found.title}（{end_date}）",
        )
    return found

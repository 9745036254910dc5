"""History events told by the roster tables (postings, appointments,
secondments, retirement exceptions), each at its effective date."""

from __future__ import annotations

from .history_model import KIND_LABELS, HistoryEvent
from .models import (
    Appointment,
    MoveKind,
    Posting,
    PostingEnd,
    RetirementException,
    Secondment,
)
from .values import CHANNEL, RELEASE_REASON


def posting_events(
    postings: list[Posting], creators: dict, succeeded: set[int]
) -> list[HistoryEvent]:
    events = []
    for p in postings:
        account = f"{p.account.category.name}·{p.account.get_funding_display()}"
        start_kind = {
            MoveKind.ENROLL: "enroll",
            MoveKind.TRANSFER: "transfer",
            MoveKind.POSTING_MOVE: "posting_move",
            MoveKind.CONVERSION: "conversion",
            MoveKind.INITIAL_LOAD: "initial_load",
        }.get(p.move_kind, "enroll")
        previous = p.previous
        if start_kind == "transfer" and previous is not None:
            if previous.unit_id == p.unit_id:
                title = f"变更占用编制：{_account(previous)} → {account}"
            else:
                title = f"调动：{previous.unit.name} → {p.unit.name}（{account}）"
        elif previous is not None:
            title = f"{KIND_LABELS[start_kind]}：{_account(previous)} → {account}"
        else:
            title = f"{KIND_LABELS[start_kind]} {p.unit.name}（{account}）"
        events.append(
            HistoryEvent(
                date=p.start_date,
                kind=start_kind,
                title=title,
                unit_id=p.unit_id,
                unit_name=p.unit.name,
                from_unit_id=previous.unit_id if previous else None,
                from_unit_name=previous.unit.name if previous else "",
                account=account,
                channel=CHANNEL.label(p.channel) if p.channel else "",
                doc_no=p.doc_no,
                details="；".join(
                    x
                    for x in (
                        f"进入本单位时间 {p.entered_unit_on:%Y-%m-%d}",
                        f"用编核准 {p.permit_ref}" if p.permit_ref else "",
                        f"逆向流动审批 {p.approval_ref}" if p.approval_ref else "",
                        "已过退休时间（初始化导入时标记）"
                        if p.flagged_past_retirement
                        else "",
                    )
                    if x
                ),
                recorded=creators.get(("roster.Posting", p.pk)),
                order=(1, p.start_date, p.pk),
            )
        )
        if p.end_date is None:
            continue
        # A transfer, posting move or conversion is told by the successor's start.
        if p.ended_by == PostingEnd.RELEASE or p.pk not in succeeded:
            reason = RELEASE_REASON.label(p.end_reason) if p.end_reason else ""
            kind = "release" if p.ended_by == PostingEnd.RELEASE else "ended"
            events.append(
                HistoryEvent(
                    date=p.end_date,
                    kind=kind,
                    title=f"{KIND_LABELS[kind]} {p.unit.name}"
                    + (f"（{reason}）" if reason else ""),
                    unit_id=p.unit_id,
                    unit_name=p.unit.name,
                    reason=reason,
                    doc_no=p.end_doc_no,
                    details="；".join(
                        x
                        for x in (
                            f"出编证明 {p.end_proof}" if p.end_proof else "",
                            f"备案日期 {p.end_filed_on:%Y-%m-%d}"
                            if p.end_filed_on
                            else "",
                        )
                        if x
                    ),
                    late=p.late_release,
                    recorded=creators.get(("roster.Posting", p.pk, "end")),
                    order=(0, p.end_date, p.pk),
                )
            )
    return events


def _account(p: Posting) -> str:
    return f"{p.account.category.name}·{p.account.get_funding_display()}"


def appointment_events(items: list[Appointment], creators: dict) -> list:
    events = []
    for a in items:
        body = f"（{a.internal_body.name}）" if a.internal_body_id else ""
        common = dict(unit_id=a.unit_id, unit_name=a.unit.name)
        events.append(
            HistoryEvent(
                date=a.start_date,
                kind="appointment_start",
                title=f"任{a.unit.name}{body}{a.title}",
                doc_no=a.doc_no,
                details=f"{a.get_level_display()}·{a.get_kind_display()}",
                recorded=creators.get(("roster.Appointment", a.pk)),
                order=(2, a.start_date, a.pk),
                **common,
            )
        )
        if a.end_date is not None:
            events.append(
                HistoryEvent(
                    date=a.end_date,
                    kind="appointment_end",
                    title=f"免去{a.unit.name}{body}{a.title}",
                    doc_no=a.end_doc_no,
                    recorded=creators.get(("roster.Appointment", a.pk, "end")),
                    order=(0, a.end_date, a.pk),
                    **common,
                )
            )
    return events


def secondment_events(items: list[Secondment], creators: dict) -> list:
    events = []
    for s in items:
        common = dict(unit_id=s.host_unit_id, unit_name=s.host_unit.name)
        events.append(
            HistoryEvent(
                date=s.start_date,
                kind="secondment_start",
                title=f"借调至{s.host_unit.name}（至{s.end_date:%Y-%m-%d}）",
                doc_no=s.doc_no,
                reason=s.reason,
                recorded=creators.get(("roster.Secondment", s.pk)),
                order=(3, s.start_date, s.pk),
                **common,
            )
        )
        ended = s.ended_on or s.end_date
        events.append(
            HistoryEvent(
                date=ended,
                kind="secondment_end",
                title=f"结束借调（{s.host_unit.name}）"
                + ("，提前结束" if s.ended_on and s.ended_on < s.end_date else ""),
                recorded=creators.get(("roster.Secondment", s.pk, "end"))
                if s.ended_on
                else None,
                order=(0, ended, s.pk),
                **common,
            )
        )
    return events


def exception_events(items: list[RetirementException], creators: dict) -> list:
    events = []
    for e in items:
        months = f"，延长{e.months}个月" if e.months else ""
        events.append(
            HistoryEvent(
                date=e.effective_from,
                kind="retirement_exception",
                title=f"{e.get_kind_display()}{months}",
                doc_no=e.doc_no,
                details=e.basis,
                recorded=creators.get(("roster.RetirementException", e.pk)),
                order=(4, e.effective_from, e.pk),
            )
        )
        if e.ended_on:
            events.append(
                HistoryEvent(
                    date=e.ended_on,
                    kind="retirement_exception_end",
                    title=f"{e.get_kind_display()}终止",
                    recorded=creators.get(("roster.RetirementException", e.pk, "end")),
                    order=(0, e.ended_on, e.pk),
                )
            )
    return events

"""The enrollment filing through its services: publicity, objections, the
application, the review's refusals and the entry into the roster."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest

from bianzhi.approvals import services
from bianzhi.approvals.models import Decision, Request
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.documents.effects_enrollment import enrollment_notice
from bianzhi.documents.services import document_path
from bianzhi.documents.verify import verify_pdf
from bianzhi.quota import services as quota
from bianzhi.quota.models import Permit, QuotaAccount
from bianzhi.quota.permits import reserved_problems
from bianzhi.roster import enrollment_publicity as publicity
from bianzhi.roster.models import Person, Posting
from tests.quota.permit_world import INS, SYSTEM, counters, enroll, permit_walk, today

from .conftest import (
    approve,
    draft,
    last_seq,
    operations_since,
    publish,
    published_on,
    ready,
    row,
    submit,
)

pytestmark = pytest.mark.django_db
S = Request.Status


def snapshot() -> dict:
    return {
        "persons": list(Person.objects.order_by("pk").values()),
        "postings": list(Posting.objects.order_by("pk").values()),
        "accounts": list(
            QuotaAccount.objects.order_by("pk").values("pk", "occupied", "reserved")
        ),
        "permits": list(Permit.objects.order_by("pk").values()),
        "requests": list(Request.objects.order_by("pk").values()),
        "decisions": Decision.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@contextmanager
def refused(code, message: str | None = None):
    before = snapshot()
    with pytest.raises(ApplicationError) as info:
        yield info
    assert info.value.code == code, info.value.message
    if message is not None:
        assert message in info.value.message, info.value.message
    assert snapshot() == before


def test_filing_enrolls_the_batch_against_the_permit(world):
    w = world
    assert counters(w.adm) == (3, 0, 2)
    request = ready(w, [row(1), row(2, position_title="副主任科员")])
    assert request.status == S.SUBMITTED and request.current_step == "office_review"
    assert request.serial.startswith("入编备案-")
    approve(w.office, request, "office_review")
    seq = last_seq()
    request = approve(w.leader, request, "leader_approval")
    assert request.status == S.APPROVED

    postings = list(Posting.objects.filter(unit=w.bureau).order_by("pk"))
    assert [p.person.name for p in postings] == ["测试1", "测试2"]
    assert {p.channel for p in postings} == {"exam_recruitment"}
    assert {p.permit_ref for p in postings} == {w.permit.number}
    assert {p.intake_resource for p in postings} == {"permit_reservation"}
    assert {p.start_date for p in postings} == {today()}
    assert postings[1].person.position_title == "副主任科员"
    # The reservation became the postings; the permit is used up.
    assert counters(w.adm) == (3, 2, 0)
    w.permit.refresh_from_db()
    assert (w.permit.used, w.permit.status) == (2, Permit.Status.EXHAUSTED)
    assert reserved_problems() == []

    assert operations_since(seq) == [
        "person_enroll",
        "person_enroll",
        "document_issue",
        "approval_approve",
    ]
    notice = enrollment_notice(request)
    assert notice is not None and notice.kind == "enrollment_notice"
    assert notice.unit_id == w.bureau.pk
    pdf = document_path(notice).read_bytes()
    assert verify_pdf(pdf).genuine
    text = pdf_text(pdf, "/tmp/enrollment_notice.png")
    assert "入编通知" in text and request.serial in text and w.permit.number in text
    assert "测试1" in text and "测试2" in text and "副主任科员" in text
    assert postings[0].person.id_number not in text  # masked on the notice
    assert postings[0].person.id_number[:4] in text


def pdf_text(pdf: bytes, png: str) -> str:
    """The first page's text (spaces dropped), and the page as a PNG to look at."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        text = "".join(page.get_textpage().get_text_range().split())
        image = page.render(scale=1.2).to_pil()
        image.save(png)
        # Not blank: a good share of the page is ink.
        histogram = image.convert("L").histogram()
        dark = sum(histogram[:128])
        assert dark > 2000, dark
        return text
    finally:
        document.close()


def test_submission_waits_for_the_publicity(world):
    w = world
    request = draft(w, [row(1)])
    with refused(ErrorCode.STEP_OUT_OF_TURN, "请先发布公示"):
        submit(w, request)
    started = today()
    publish(w, request, on=started)
    with refused(ErrorCode.STEP_OUT_OF_TURN, "期满后方可提交"):
        submit(w, request, today=started + dt.timedelta(days=1))
    state = publicity.publicity_state(request)
    assert state.starts_on == started and state.ends_on > started
    request = submit(w, request, today=state.ends_on + dt.timedelta(days=1))
    assert request.status == S.SUBMITTED


def test_pending_objection_blocks_until_ruled(world):
    w = world
    request = draft(w, [row(1), row(2)])
    publish(w, request)
    number = request.payload["persons"][0]["id_number"]
    objection = publicity.objection_record(
        actor=w.office, request_id=request.pk, id_number=number, note="学历存疑"
    )
    with refused(ErrorCode.STEP_OUT_OF_TURN, "尚未核查"):
        submit(w, request)
    with refused(ErrorCode.ROLE_FORBIDDEN):
        publicity.objection_rule(
            actor=w.hr,
            request_id=request.pk,
            objection_id=objection.pk,
            outcome="dismiss",
            note="自查",
        )
    with refused(ErrorCode.FIELD_REQUIRED):
        publicity.objection_rule(
            actor=w.office,
            request_id=request.pk,
            objection_id=objection.pk,
            outcome="dismiss",
            note="",
        )
    publicity.objection_rule(
        actor=w.office,
        request_id=request.pk,
        objection_id=objection.pk,
        outcome="dismiss",
        note="经核查学历属实",
    )
    assert AuditEvent.objects.order_by("-seq").first().operation == (
        "enrollment_objection_ruling"
    )
    request = submit(w, request)
    assert request.status == S.SUBMITTED


def test_upheld_objection_removes_the_person(world):
    w = world
    request = draft(w, [row(1), row(2)])
    publish(w, request)
    number = request.payload["persons"][1]["id_number"]
    objection = publicity.objection_record(
        actor=w.hr, request_id=request.pk, id_number=number, note="有违纪记录"
    )
    publicity.objection_rule(
        actor=w.office,
        request_id=request.pk,
        objection_id=objection.pk,
        outcome="remove",
        note="核查属实",
    )
    request.refresh_from_db()
    assert [p["name"] for p in request.payload["persons"]] == ["测试1"]
    request = submit(w, request)
    approve(w.office, request, "office_review")
    approve(w.leader, request, "leader_approval")
    assert Posting.objects.filter(unit=w.bureau).count() == 1
    assert counters(w.adm) == (3, 1, 1)  # one slot of the permit still held


def test_upheld_objection_in_review_returns_the_filing(world):
    w = world
    request = ready(w, [row(1)])
    objection = publicity.objection_record(
        actor=w.office, request_id=request.pk, note="公示期不足"
    )
    publicity.objection_rule(
        actor=w.office,
        request_id=request.pk,
        objection_id=objection.pk,
        outcome="return",
        note="须重新公示",
    )
    request.refresh_from_db()
    assert request.status == S.RETURNED and request.current_step == ""
    # The publicity was voided: the corrected filing is published again.
    with refused(ErrorCode.STEP_OUT_OF_TURN, "请先发布公示"):
        submit(w, request)
    publish(w, request)
    assert submit(w, request).status == S.SUBMITTED


def test_objections_come_from_the_scope_and_name_listed_people(world):
    w = world
    request = draft(w, [row(1)])
    with refused(ErrorCode.OUT_OF_SCOPE):
        publicity.objection_record(actor=w.office, request_id=request.pk, note="x")
    publish(w, request)
    with refused(ErrorCode.OUT_OF_SCOPE):
        publicity.objection_record(actor=w.school_hr, request_id=request.pk, note="x")
    with refused(ErrorCode.FIELD_REQUIRED):
        publicity.objection_record(actor=w.office, request_id=request.pk, note=" ")
    with refused(ErrorCode.VALUE_INVALID, "不在公示名单"):
        publicity.objection_record(
            actor=w.office, request_id=request.pk, note="x", id_number="110101"
        )


def test_more_persons_than_the_permit_has_left(world):
    w = world
    with pytest.raises(ApplicationError) as info:
        draft(w, [row(1), row(2), row(3)])
    assert info.value.code == ErrorCode.PERMIT_EXHAUSTED
    assert info.value.params["need"] == 3
    # Used meanwhile by another filing: refused at the final approval.
    first = ready(w, [row(1)])
    second = ready(w, [row(2), row(3)], permit=w.permit)
    approve(w.office, first, "office_review")
    approve(w.leader, first, "leader_approval")
    approve(w.office, second, "office_review")
    with refused(ErrorCode.PERMIT_EXHAUSTED, "剩余1名"):
        approve(w.leader, second, "leader_approval")


def test_permit_used_after_expiry(world):
    w = world
    request = ready(w, [row(1)])
    approve(w.office, request, "office_review")
    late = w.permit.valid_until + dt.timedelta(days=1)
    with refused(ErrorCode.PERMIT_EXPIRED, str(w.permit.valid_until)):
        approve(w.leader, request, "leader_approval", today=late)


def test_person_already_posted(world):
    w = world
    enroll(
        w.school,
        7,
        category=INS,
        channel="公开招聘",
        identity="事业人员",
        post_type="专业技术",
    )
    with pytest.raises(ApplicationError) as info:
        draft(w, [row(1), row(7)])
    assert info.value.code == ErrorCode.PERSON_ALREADY_POSTED
    # Posted elsewhere after the submission: refused at the final approval.
    request = ready(w, [row(1), row(8)])
    approve(w.office, request, "office_review")
    enroll(
        w.school,
        8,
        category=INS,
        channel="公开招聘",
        identity="事业人员",
        post_type="专业技术",
    )
    with refused(ErrorCode.PERSON_ALREADY_POSTED):
        approve(w.leader, request, "leader_approval")


def test_identity_must_fit_the_category(world):
    w = world
    with pytest.raises(ApplicationError) as info:
        draft(w, [row(1), row(2, identity="事业人员", post_type="专业技术")])
    assert info.value.code == ErrorCode.CATEGORY_MISMATCH
    assert info.value.field == "persons" and info.value.params["row"] == 1
    assert "第2行" in info.value.message


def test_bad_id_number_names_its_row(world):
    w = world
    bad = row(1)
    bad["id_number"] = bad["id_number"][:-1] + (
        "0" if bad["id_number"][-1] != "0" else "1"
    )
    with pytest.raises(ApplicationError) as info:
        draft(w, [bad])
    assert info.value.code == ErrorCode.ID_INVALID
    with pytest.raises(ApplicationError) as info:
        draft(w, [row(1, gender="女")])
    assert info.value.code == ErrorCode.ID_MISMATCH


def test_entry_refused_when_the_unit_became_full(world):
    w = world
    request = ready(w, [row(1)])
    approve(w.office, request, "office_review")
    # A reform cut takes the whole account meanwhile.
    quota.quota_recall(
        actor=SYSTEM,
        unit=w.bureau,
        category="administrative",
        funding="full",
        amount=3,
        doc_no="示编〔2026〕5号",
        effective_date=today(),
        reason="机构改革核减",
        reform=True,
        today=today(),
    )
    with refused(ErrorCode.QUOTA_FULL, "核定0名") as info:
        approve(w.leader, request, "leader_approval")
    assert info.value.params["approved"] == 0


def test_double_submission_is_idempotent(world):
    w = world
    request = draft(w, [row(1)])
    publish(w, request)
    first = submit(w, request, idempotency_key="enroll-key-1")
    events = AuditEvent.objects.count()
    again = submit(w, request, idempotency_key="enroll-key-1")
    assert again.pk == first.pk and again.version == first.version
    assert AuditEvent.objects.count() == events
    assert Decision.objects.filter(request=request, action="submit").count() == 1


def test_out_of_turn_and_wrong_role(world):
    w = world
    request = ready(w, [row(1)])
    with refused(ErrorCode.STEP_OUT_OF_TURN):
        approve(w.leader, request, "leader_approval")
    with refused(ErrorCode.ROLE_FORBIDDEN):
        approve(w.leader, request, "office_review")
    with refused(ErrorCode.ROLE_FORBIDDEN):
        approve(w.hr, request, "office_review")


def test_return_resubmit_and_reject(world):
    w = world
    request = ready(w, [row(1)])
    services.request_return(
        actor=w.office,
        request_id=request.pk,
        step="office_review",
        comment="岗位名称不规范",
    )
    request.refresh_from_db()
    assert request.status == S.RETURNED
    # The same published person, corrected: no new publicity needed.
    fixed = dict(request.payload)
    fixed["persons"] = [dict(fixed["persons"][0], position_title="一级科员")]
    request = submit(w, request, payload=fixed)
    assert (request.status, request.round) == (S.SUBMITTED, 2)
    # Someone never published cannot be slipped in.
    services.request_return(
        actor=w.office, request_id=request.pk, step="office_review", comment="再核"
    )
    request.refresh_from_db()
    extra = dict(fixed, persons=fixed["persons"] + [row(5)])
    with refused(ErrorCode.VALUE_INVALID, "未经公示"):
        submit(w, request, payload=extra)
    request = submit(w, request, payload=fixed)
    approve(w.office, request, "office_review")
    request = services.request_reject(
        actor=w.leader, request_id=request.pk, step="leader_approval", comment="暂缓"
    )
    assert request.status == S.REJECTED
    assert not Posting.objects.filter(unit=w.bureau).exists()
    assert counters(w.adm) == (3, 0, 2)


def test_permit_of_another_unit_is_not_found(world):
    w = world
    other = permit_walk(w, count=1)  # a second permit of the bureau works
    assert draft(w, [row(1)], permit=other).payload["permit"] == other.number
    with pytest.raises(ApplicationError) as info:
        draft(w, [row(1)], actor=w.school_hr, unit=w.school)
    assert info.value.code == ErrorCode.PERMIT_REQUIRED


def test_publicity_start_needs_the_creator_and_a_draft(world):
    w = world
    request = draft(w, [row(1)])
    with refused(ErrorCode.ROLE_FORBIDDEN):
        publicity.publicity_start(actor=w.office, request_id=request.pk)
    publish(w, request)
    submit(w, request)
    with refused(ErrorCode.STEP_OUT_OF_TURN):
        publish(w, request)
    assert published_on() < today()


def test_removing_the_last_person_returns_the_open_filing(world):
    w = world
    request = ready(w, [row(1)])
    number = request.payload["persons"][0]["id_number"]
    objection = publicity.objection_record(
        actor=w.office, request_id=request.pk, id_number=number, note="不符合条件"
    )
    publicity.objection_rule(
        actor=w.office,
        request_id=request.pk,
        objection_id=objection.pk,
        outcome="remove",
        note="核查属实",
    )
    request.refresh_from_db()
    assert request.status == S.RETURNED and request.payload["persons"] == []
    last = Decision.objects.filter(request=request).latest("id")
    assert (last.action, last.step) == ("return", "office_review")
    assert "公示异议成立" in last.comment
    # The removed person cannot come back in the same filing.
    publish_again = dict(request.payload, persons=[row(1)])
    with refused(ErrorCode.VALUE_INVALID, "已移出本批次"):
        submit(w, request, payload=publish_again)

"""The release filing (出编备案) walked through the approvals engine as the
real roles: unit HR submits, the office approves; the posting ends, the
counter drops, late filings are flagged and the stop-pay notice is issued."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from bianzhi.approvals import engine, review, services
from bianzhi.approvals.models import Decision, Request
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.documents.attachments import attachment_store
from bianzhi.documents.effects import stop_pay_document
from bianzhi.documents.services import document_path
from bianzhi.documents.verify import verify_pdf
from bianzhi.roster import services as roster
from bianzhi.roster.models import Posting
from tests.quota.permit_world import INS, counters, enroll, make_world

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 5)
EXIT = dt.date(2026, 3, 2)  # a Monday; day 0 of the filing window
IN_WINDOW = dt.date(2026, 3, 16)  # the 10th working day after EXIT
LATE = dt.date(2026, 3, 17)  # the 11th


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_VERIFY_BASE_URL = "http://bianzhi.example.gov.cn"


@pytest.fixture
def world(db, settings):
    w = make_world(settings)
    # The people are arranged as already in post (the permit check of intakes
    # is not what these tests are about).
    settings.ROSTER_PERMITS_REQUIRED = False
    w.posting = enroll(w.bureau, 1, on=START)
    w.other = enroll(
        w.school,
        2,
        category=INS,
        channel="公开招聘",
        on=START,
        identity="事业人员",
        post_type="专业技术",
    )
    return w


def payload(person_id, **over):
    return {
        "person_id": person_id,
        "exit_date": EXIT.isoformat(),
        "reason_code": "辞职",
        "proof": "辞职批复",
        "note": "",
    } | over


def draft(w, data, *, actor=None, unit=None):
    unit = unit or w.bureau
    return services.request_create(
        actor=actor or w.hr,
        kind="release_filing",
        title="出编备案",
        region_code=unit.region_id,
        unit_id=unit.pk,
        subject_type="person",
        subject_id=data.get("person_id", ""),
        payload=data,
    )


def file(w, data, *, on=EXIT, actor=None, **kw):
    request = draft(w, data, actor=actor)
    return services.request_submit(
        actor=actor or w.hr, request_id=request.pk, today=on, **kw
    )


def approve(w, request, on):
    return review.request_approve(
        actor=w.office, request_id=request.pk, step="office_review", today=on
    )


def pdf_text(pdf: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        # Letter-spaced titles come out as "停 发 …": compare without spaces.
        text = "".join(page.get_textpage().get_text_range().split())
        page.render(scale=1.2).to_pil().save("/tmp/stop_pay_notice.png")
        return text
    finally:
        document.close()


def operations_since(seq: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(seq__gt=seq)
        .order_by("seq")
        .values_list("operation", flat=True)
    )


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()


@pytest.mark.parametrize(("approved_on", "late"), [(IN_WINDOW, False), (LATE, True)])
def test_filing_releases_and_issues_stop_pay(world, approved_on, late):
    w = world
    assert counters(w.adm) == (3, 1, 0)
    request = file(w, payload(w.posting.person_id))
    assert request.status == Request.Status.SUBMITTED
    assert request.current_step == "office_review"
    assert request.serial.startswith("出编-")
    seq = last_seq()
    approve(w, request, approved_on)
    request.refresh_from_db()
    assert request.status == Request.Status.APPROVED

    posting = Posting.objects.get(pk=w.posting.pk)
    assert (posting.end_date, posting.ended_by, posting.end_reason) == (
        EXIT,
        "release",
        "resignation",
    )
    assert (posting.end_filed_on, posting.late_release) == (approved_on, late)
    assert posting.end_proof == f"出编备案{request.serial}；辞职批复"
    assert counters(w.adm) == (3, 0, 0)

    # The roster's release and the document register record their own events
    # inside the approval's transaction; the approval's event is the last.
    assert operations_since(seq) == [
        "person_release",
        "document_issue",
        "approval_approve",
    ]
    release_event = AuditEvent.objects.get(seq__gt=seq, operation="person_release")
    assert ("逾期备案" in release_event.summary) is late

    document = stop_pay_document(request)
    assert document is not None and document.kind == "stop_pay_notice"
    assert document.unit_id == w.bureau.pk
    pdf = document_path(document).read_bytes()
    assert verify_pdf(pdf).genuine
    text = pdf_text(pdf)
    assert "停发工资通知" in text and w.posting.person.name in text
    assert request.serial in text and "示例市财政局" in text
    assert w.posting.person.id_number not in text  # masked on the notice
    assert ("逾期" in text) is late


def test_live_numbers_show_posting_account_and_lateness(world):
    w = world
    request = file(w, payload(w.posting.person_id))
    numbers = {n.label: n.value for n in engine.live_numbers(request)}
    assert numbers["出编人员"] == w.posting.person.name
    assert any(
        label.endswith("实有人数") and value == 1 for label, value in numbers.items()
    )
    assert any(
        label.endswith("核定编制数") and value == 3 for label, value in numbers.items()
    )
    # Today (the real clock) is long past the window of EXIT.
    assert numbers["逾期备案"] == "是"
    assert numbers["距出编日期工作日数"] > 10


def test_return_and_resubmit(world):
    w = world
    request = file(w, payload(w.posting.person_id, reason_code="其他"))
    review.request_return(
        actor=w.office,
        request_id=request.pk,
        step="office_review",
        comment="原因应为辞职",
        today=EXIT,
    )
    request.refresh_from_db()
    assert request.status == Request.Status.RETURNED
    assert Posting.objects.get(pk=w.posting.pk).end_date is None
    again = services.request_submit(
        actor=w.hr,
        request_id=request.pk,
        payload=payload(w.posting.person_id, reason_code="resignation"),
        today=EXIT,
    )
    assert (again.current_step, again.round) == ("office_review", 2)
    approve(w, again, IN_WINDOW)
    posting = Posting.objects.get(pk=w.posting.pk)
    assert (posting.end_reason, posting.late_release) == ("resignation", False)
    assert counters(w.adm) == (3, 0, 0)
    actions = list(
        Decision.objects.filter(request=request)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["submit", "return", "submit", "approve"]


def test_reject_leaves_the_person_in_post(world):
    w = world
    request = file(w, payload(w.posting.person_id))
    review.request_reject(
        actor=w.office,
        request_id=request.pk,
        step="office_review",
        comment="材料不实",
        today=EXIT,
    )
    request.refresh_from_db()
    assert request.status == Request.Status.REJECTED
    posting = Posting.objects.get(pk=w.posting.pk)
    assert (posting.end_date, posting.end_reason) == (None, "")
    assert counters(w.adm) == (3, 1, 0)
    assert stop_pay_document(request) is None
    assert not AuditEvent.objects.filter(operation="person_release").exists()


def test_person_of_another_unit_refused(world):
    w = world
    # The school's person, filed by the bureau's HR for the bureau.
    request = draft(w, payload(w.other.person_id))
    with pytest.raises(ApplicationError) as info:
        services.request_submit(actor=w.hr, request_id=request.pk, today=EXIT)
    assert info.value.code == ErrorCode.OUT_OF_SCOPE
    request.refresh_from_db()
    assert request.status == Request.Status.DRAFT and not request.serial
    # Nor may the bureau's HR file for the school.
    with pytest.raises(ApplicationError) as info:
        draft(w, payload(w.other.person_id), unit=w.school)
    assert info.value.code == ErrorCode.OUT_OF_SCOPE
    assert Posting.objects.get(pk=w.other.pk).end_date is None


@pytest.mark.parametrize(
    ("over", "code", "field"),
    [
        ({"exit_date": "2026-03-03"}, ErrorCode.DATE_INVALID, "exit_date"),
        ({"exit_date": "2025-12-31"}, ErrorCode.VALUE_INVALID, "exit_date"),
        ({"reason_code": "升职"}, ErrorCode.VALUE_INVALID, "reason_code"),
        ({"reason_code": "调出"}, ErrorCode.FIELD_REQUIRED, "destination"),
        ({"person_id": None}, ErrorCode.FIELD_REQUIRED, "person_id"),
        (
            {"proof_attachment_ids": [999999]},
            ErrorCode.VALUE_INVALID,
            "proof_attachment_ids",
        ),
    ],
)
def test_submit_checks(world, over, code, field):
    w = world
    with pytest.raises(ApplicationError) as info:
        file(w, payload(w.posting.person_id) | over, on=EXIT)
    assert (info.value.code, info.value.field) == (code, field)
    assert not Request.objects.exclude(status=Request.Status.DRAFT).exists()


def test_transfer_out_with_destination(world):
    w = world
    request = file(
        w,
        payload(w.posting.person_id, reason_code="调出", destination="外省某厅"),
    )
    approve(w, request, IN_WINDOW)
    posting = Posting.objects.get(pk=w.posting.pk)
    assert posting.end_reason == "transfer_out"
    assert posting.end_proof.startswith("调往外省某厅；出编备案")


def test_double_submission_is_idempotent(world):
    w = world
    request = draft(w, payload(w.posting.person_id))
    first = services.request_submit(
        actor=w.hr, request_id=request.pk, idempotency_key="k-1", today=EXIT
    )
    again = services.request_submit(
        actor=w.hr, request_id=request.pk, idempotency_key="k-1", today=EXIT
    )
    assert first.pk == again.pk and again.serial == first.serial
    assert Decision.objects.filter(request=request, action="submit").count() == 1
    assert AuditEvent.objects.filter(operation="approval_submit").count() == 1


def test_second_open_filing_refused_and_person_gone_meanwhile(world):
    w = world
    request = file(w, payload(w.posting.person_id))
    with pytest.raises(ApplicationError) as info:
        file(w, payload(w.posting.person_id, reason_code="退休"))
    assert info.value.code == ErrorCode.VALUE_INVALID
    assert request.serial in info.value.message
    # Released meanwhile by the office directly: the approval is refused and
    # nothing changes.
    roster.person_release(
        actor=w.office,
        posting=w.posting.pk,
        reason_code="死亡",
        exit_date=EXIT,
        today=IN_WINDOW,
    )
    seq = last_seq()
    with pytest.raises(ApplicationError) as info:
        approve(w, request, IN_WINDOW)
    assert info.value.code == ErrorCode.VALUE_INVALID
    request.refresh_from_db()
    assert request.status == Request.Status.SUBMITTED
    assert last_seq() == seq
    assert Posting.objects.get(pk=w.posting.pk).end_reason == "death"
    assert counters(w.adm) == (3, 0, 0)
    assert stop_pay_document(request) is None


def test_proof_attachments_of_the_filing(world):
    w = world
    request = draft(w, payload(w.posting.person_id))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    mine = attachment_store(
        actor=w.hr,
        file=io.BytesIO(pdf),
        owner_type="approval_request",
        owner_id=request.pk,
        filename="辞职批复.pdf",
    )
    theirs = attachment_store(
        actor=w.school_hr,
        file=io.BytesIO(pdf),
        owner_type="test",
        owner_id=1,
        filename="别人的.pdf",
    )
    with pytest.raises(ApplicationError) as info:
        services.request_submit(
            actor=w.hr,
            request_id=request.pk,
            payload=payload(w.posting.person_id, proof_attachment_ids=[theirs.pk]),
            today=EXIT,
        )
    assert info.value.field == "proof_attachment_ids"
    submitted = services.request_submit(
        actor=w.hr,
        request_id=request.pk,
        payload=payload(w.posting.person_id, proof_attachment_ids=[mine.pk]),
        today=EXIT,
    )
    assert submitted.payload["proof_attachment_ids"] == [mine.pk]

"""ID numbers on the pages (issue 4 §5): masked in every list for every role,
the whole number only through the audited 「显示完整号码」 on a person's page,
masked on the audit-log pages and in every log line."""

from __future__ import annotations

import io
import json
import logging
import re
from contextlib import contextmanager

import pytest
from django.test import Client

from bianzhi.accounts.services import role_assign, user_create
from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.logfilter import IdNumberMaskFilter
from bianzhi.core.models import AuditEvent
from bianzhi.roster import services
from bianzhi.roster.services_privacy import OPERATION
from tests.conftest import grant_permit

from .test_roster_pages import enroll, enroll_form, make_id, text, today

pytestmark = pytest.mark.django_db

OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")
DOC = "示编〔2026〕31号"
SYSTEM = Actor.system()


@pytest.fixture
def posted(city):
    return enroll(city.finance, 1)


@pytest.fixture
def number(posted) -> str:
    return posted.person.id_number


@pytest.fixture
def others(city):
    """Roles in scope without VIEW_FULL_ID: 组织部 (联审) and 财政局's 主管部门."""

    def user(username, role, **scope):
        u = user_create(actor=SYSTEM, username=username, password="ceshi-mima-2024")
        role_assign(actor=SYSTEM, user=u, role=role, **scope)
        return u

    return {
        "zuzhibu": user("zuzhibu", "partner_reviewer", region=city.city),
        "supervisor": user("sup", "supervising_dept", unit=city.finance),
    }


def reveal(client, person, **headers):
    return client.post(f"/persons/{person.pk}/reveal-id/", {}, **headers)


def reveals() -> int:
    return AuditEvent.objects.filter(operation=OPERATION).count()


# -- lists ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "leader", "hr_finance", "inspector"])
def test_unit_page_list_is_masked_for_everyone(city, cast, as_user, number, who):
    body = text(as_user(getattr(cast, who)).get(f"/units/{city.finance.pk}/"))
    assert mask_id_number(number) in body and number not in body
    assert "显示完整号码" not in body  # no reveal from a list


@pytest.mark.parametrize("who", ["office", "hr_finance"])
def test_certificate_part_six_is_masked(city, cast, as_user, number, who):
    body = text(
        as_user(getattr(cast, who)).get(f"/units/{city.finance.pk}/certificate/")
    )
    assert "第六部分" in body
    assert mask_id_number(number) in body and number not in body


def test_office_form_panel_is_masked(city, cast, as_user, posted, number):
    body = text(
        as_user(cast.office).get(
            f"/office/person_transfer/numbers/?person={posted.person.pk}"
        )
    )
    assert "测试1" in body and mask_id_number(number) in body and number not in body


# -- the person page --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "leader", "hr_finance", "inspector"])
def test_person_page_masked_with_button_in_scope(cast, as_user, posted, number, who):
    body = text(as_user(getattr(cast, who)).get(f"/persons/{posted.person.pk}/"))
    assert mask_id_number(number) in body and number not in body
    assert "显示完整号码" in body
    assert f'hx-post="/persons/{posted.person.pk}/reveal-id/"' in body


@pytest.mark.parametrize("who", ["zuzhibu", "supervisor"])
def test_person_page_without_button_for_roles_without_the_permission(
    as_user, others, posted, number, who
):
    page = as_user(others[who]).get(f"/persons/{posted.person.pk}/")
    assert page.status_code == 200
    assert mask_id_number(number) in text(page) and number not in text(page)
    assert "显示完整号码" not in text(page)


def test_former_unit_hr_sees_the_person_but_no_button(
    city, cast, as_user, posted, number
):
    services.person_transfer(
        actor=OFFICE, person=posted.person, to_unit=city.education,
        category="administrative", funding="full", start_date=today(), doc_no=DOC,
        permit=grant_permit(city.education, channel="transfer_in"),
    )  # fmt: skip
    former = as_user(cast.hr_finance).get(f"/persons/{posted.person.pk}/")
    assert former.status_code == 200 and "显示完整号码" not in text(former)
    assert reveal(as_user(cast.hr_finance), posted.person).status_code == 404
    current = as_user(cast.hr_education).get(f"/persons/{posted.person.pk}/")
    assert "显示完整号码" in text(current)
    assert number in text(reveal(as_user(cast.hr_education), posted.person))


# -- the reveal -------------------------------------------------------------------------


def test_reveal_returns_the_number_and_writes_one_event_without_it(
    cast, as_user, posted, number
):
    before = AuditEvent.objects.count()
    response = reveal(as_user(cast.office), posted.person, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert number in text(response) and "已记入审计日志" in text(response)
    assert "<html" not in text(response)  # the htmx partial only
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.operation == OPERATION
    assert (event.actor_id, event.role, event.scope) == (
        cast.office.pk,
        "office_admin",
        "region:990100",
    )
    assert event.client_addr == "127.0.0.1"
    assert [r["pk"] for r in event.records] == [posted.person.pk]
    stored = json.dumps(
        [event.records, event.summary, event.doc_no], ensure_ascii=False
    )
    assert mask_id_number(number) in stored and number not in stored
    assert audit.verify_chain().ok


def test_reveal_without_htmx_renders_a_page(cast, as_user, posted, number):
    response = reveal(as_user(cast.inspector), posted.person)
    assert response.status_code == 200
    assert number in text(response) and "返回人员页面" in text(response)
    assert reveals() == 1


def test_reveal_purpose_is_recorded_masked(cast, as_user, posted, number):
    other = make_id("19700101", "123")
    client = as_user(cast.office)
    response = client.post(
        f"/persons/{posted.person.pk}/reveal-id/", {"purpose": f"核对 {other} 档案"}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(operation=OPERATION)
    assert "核对" in event.summary and mask_id_number(other) in event.summary
    assert other not in json.dumps(event.records) + event.summary


def test_unit_hr_reveals_own_people_only(city, cast, as_user, posted, number):
    assert number in text(reveal(as_user(cast.hr_finance), posted.person))
    other = reveal(as_user(cast.hr_education), posted.person)
    assert other.status_code == 404 and number not in text(other)
    assert "测试1" not in text(other)
    assert reveals() == 1


@pytest.mark.parametrize("who", ["zuzhibu", "supervisor"])
def test_roles_without_the_permission_get_403(as_user, others, posted, number, who):
    response = reveal(as_user(others[who]), posted.person)
    assert response.status_code == 403 and "ROLE_FORBIDDEN" in text(response)
    assert number not in text(response)
    assert reveals() == 0


@pytest.mark.parametrize("who", ["auditor", "sysadmin"])
def test_administrators_get_404(cast, as_user, posted, who):
    assert reveal(as_user(getattr(cast, who)), posted.person).status_code == 404
    assert reveals() == 0


def test_missing_person_and_get_are_refused(cast, as_user, posted):
    client = as_user(cast.office)
    assert client.post("/persons/999999/reveal-id/").status_code == 404
    assert client.get(f"/persons/{posted.person.pk}/reveal-id/").status_code == 405
    assert reveals() == 0


def test_reveal_needs_the_csrf_token(cast, posted, number):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.office)
    assert reveal(client, posted.person).status_code == 403
    assert reveals() == 0
    page = text(client.get(f"/persons/{posted.person.pk}/"))
    # The token htmx sends (base.html hx-headers) is the page's token.
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = reveal(client, posted.person, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and number in text(response)
    assert reveals() == 1


# -- the audit-log pages ----------------------------------------------------------------


def test_audit_pages_never_show_a_whole_number(city, cast, as_user, posted, number):
    new_number = make_id("19850607", "022")
    services.person_change_locked_field(
        actor=OFFICE, person=posted.person, field="id_number", value=new_number,
        reason="更正录入差错",
    )  # fmt: skip
    as_user(cast.office).post(f"/persons/{posted.person.pk}/reveal-id/")
    # The chain keeps the records whole (the hashes cover them) ...
    stored = json.dumps(list(AuditEvent.objects.values_list("records", flat=True)))
    assert number in stored and new_number in stored
    assert audit.verify_chain().ok
    # ... the pages mask them, for the audit administrator as for anyone.
    client = as_user(cast.auditor)
    pages = [client.get("/audit/")] + [
        client.get(f"/audit/{seq}/")
        for seq in AuditEvent.objects.values_list("seq", flat=True)
    ]
    assert all(p.status_code == 200 for p in pages)
    body = "".join(text(p) for p in pages)
    assert number not in body and new_number not in body
    assert mask_id_number(number) in body and mask_id_number(new_number) in body
    assert "person_id_reveal" in body


# -- logs -------------------------------------------------------------------------------


def configured(handler: logging.Handler) -> bool:
    """A handler of settings.LOGGING (pytest adds capturing handlers of its own)."""
    return not type(handler).__module__.startswith("_pytest")


@contextmanager
def captured_logs():
    """Every handler of the configured loggers writes into one buffer."""
    buffer = io.StringIO()
    handlers = {
        h
        for name in ("", "django", "django.server", "django.request")
        for h in logging.getLogger(name).handlers
        if configured(h)
    }
    # Swap the streams without setStream(): it flushes the old stream, which
    # may be a capture file pytest has already closed in an earlier test.
    old = {h: h.stream for h in handlers}
    for h in handlers:
        h.stream = buffer
    try:
        yield buffer
    finally:
        for h, stream in old.items():
            h.stream = stream


def test_every_configured_handler_masks():
    for name in ("", "django", "django.server"):
        handlers = [h for h in logging.getLogger(name).handlers if configured(h)]
        assert handlers, name
        for handler in handlers:
            assert any(isinstance(f, IdNumberMaskFilter) for f in handler.filters)


def test_log_lines_are_masked():
    number, old = make_id("19850607", "011"), "110101850607011"
    with captured_logs() as logs:
        logging.getLogger("bianzhi.test").warning("重复的号码 %s 与 %s", number, old)
        logging.getLogger("django.request").warning("Bad Request: /?q=%s", number)
        logging.getLogger("django.server").warning('"GET /?q=%s HTTP/1.1" 404', number)
        try:
            raise ValueError(f"duplicate key (id_number)=({number})")
        except ValueError:
            logging.getLogger("bianzhi.test").exception("写入失败")
    output = logs.getvalue()
    assert number not in output and old not in output
    assert output.count(mask_id_number(number)) == 4
    assert "1101*******7011" in output  # a 15-digit number, 4 + 4 kept
    assert "ValueError: duplicate key" in output


def test_filter_leaves_other_records_alone():
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "批次 %s 共 %d 行", ("20260101123456789012", 3),
        None,
    )  # fmt: skip
    assert IdNumberMaskFilter().filter(record)
    assert record.args == ("20260101123456789012", 3)
    assert record.getMessage() == "批次 20260101123456789012 共 3 行"


def test_refusal_naming_an_id_is_shown_to_the_user_but_not_logged(
    city, cast, as_user, posted, number
):
    grant_permit(city.finance)  # refused for the ID, not for want of a permit
    with captured_logs() as logs:
        response = as_user(cast.office).post(
            "/office/person_enroll/", enroll_form(city.finance, 1)
        )
    assert response.status_code == 400 and "PERSON_ALREADY_POSTED" in text(response)
    assert number in text(response)  # the user typed it
    assert number not in logs.getvalue()

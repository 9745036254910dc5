"""用编核准 pages and API: each reader sees the permits of its scope with what
is left and how each is backed; another unit's permit does not exist (404);
reading writes nothing, not even the expiry of a stale permit."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from bianzhi.core.models import AuditEvent
from tests.conftest import grant_permit
from tests.quota.permit_world import enroll, permit_walk, today

from .conftest import api, web


def _arrange(w):
    walked = permit_walk(w, count=2)
    posting = enroll(w.bureau, 1, permit=walked.number)
    recorded = grant_permit(w.school, category="institutional", channel="招聘")
    stale = grant_permit(w.bureau, today=today() - dt.timedelta(days=200))
    return walked, posting, recorded, stale


def test_the_office_lists_every_permit_of_its_region_by_state(world):
    w = world
    walked, _posting, recorded, stale = _arrange(w)
    events = AuditEvent.objects.count()
    page = web(w.office).get(reverse("web:permits")).content.decode()
    assert (
        f'data-permit="{walked.pk}"' in page and f'data-permit="{recorded.pk}"' in page
    )
    assert f'data-permit="{stale.pk}"' not in page  # past its validity: not active
    assert '<span data-count="active">2</span>' in page
    assert '<span data-count="expired">1</span>' in page
    expired = web(w.office).get(reverse("web:permits"), {"state": "expired"})
    assert f'data-permit="{stale.pk}"' in expired.content.decode()
    # Reading did not expire it: the daily job (or the roster's lazy expiry) does.
    stale.refresh_from_db()
    assert stale.status == "active" and AuditEvent.objects.count() == events
    by_channel = web(w.office).get(
        reverse("web:permits"), {"state": "all", "channel": "open_recruitment"}
    )
    text = by_channel.content.decode()
    assert f'data-permit="{recorded.pk}"' in text
    assert f'data-permit="{walked.pk}"' not in text


def test_a_unit_reads_its_own_permits_only(world):
    w = world
    walked, _posting, recorded, _stale = _arrange(w)
    page = web(w.school_hr).get(reverse("web:permits")).content.decode()
    assert f'data-permit="{recorded.pk}"' in page
    assert f'data-permit="{walked.pk}"' not in page
    assert (
        web(w.school_hr).get(reverse("web:permit", args=[walked.pk])).status_code == 404
    )
    assert api(w.school_hr).get(f"/api/permits/{walked.pk}/").status_code == 404
    listed = api(w.school_hr).get("/api/permits/", {"state": "all"}).json()
    assert [row["id"] for row in listed["results"]] == [recorded.pk]


def test_the_permit_page_shows_its_source_document_and_intakes(world):
    w = world
    walked, posting, recorded, _stale = _arrange(w)
    page = web(w.hr).get(reverse("web:permit", args=[walked.pk])).content.decode()
    assert reverse("web:approval", args=[walked.request_id]) in page
    assert reverse("web:person", args=[posting.person_id]) in page
    assert posting.person.id_number not in page  # masked
    assert "用编核准通知书" in page  # the signed permit PDF is linked
    assert "空编预留 2 名" in page
    other = (
        web(w.office).get(reverse("web:permit", args=[recorded.pk])).content.decode()
    )
    assert "补录（批准文号 测试编发" in other
    data = api(w.hr).get(f"/api/permits/{walked.pk}/").json()
    assert (data["count"], data["used"], data["remaining"], data["by_credit"]) == (
        2,
        1,
        1,
        False,
    )
    assert data["intakes"][0]["person"] == posting.person_id
    assert "*" in data["intakes"][0]["id_number"]


def test_the_navigation_links_the_permit_list(world):
    page = web(world.hr).get("/").content.decode()
    assert f'href="{reverse("web:permits")}"' in page


def test_the_office_cancels_a_permit_releasing_what_it_holds(world):
    from bianzhi.documents.models import Document
    from tests.quota.permit_world import counters, events

    w = world
    walked, _posting, _recorded, _stale = _arrange(w)
    assert counters(w.adm) == (3, 1, 2)  # walked holds 1, the stale grant 1
    url = reverse("web:permit_cancel", args=[walked.pk])
    # The unit's HR may read it but not cancel it; another unit does not see it.
    assert web(w.hr).post(url, {"reason": "招考取消"}).status_code == 403
    assert web(w.school_hr).post(url, {"reason": "招考取消"}).status_code == 404
    refused = web(w.office).post(url, {"reason": " "})
    assert (
        refused.status_code == 400 and 'id="error-reason"' in refused.content.decode()
    )
    walked.refresh_from_db()
    assert walked.status == "active" and counters(w.adm) == (3, 1, 2)
    done = web(w.office).post(url, {"reason": "招考取消"})
    assert done.status_code == 302
    walked.refresh_from_db()
    assert walked.status == "cancelled" and counters(w.adm) == (3, 1, 1)
    (event,) = events("permit_cancel")
    assert "释放预留1名" in event.summary and event.doc_no == walked.number
    document = Document.objects.get(kind="permit", subject_id=walked.pk)
    assert document.revoked and "招考取消" in document.revoked_reason
    assert {r["model"] for r in event.records} == {
        "quota.Permit",
        "quota.QuotaAccount",
        "documents.Document",
    }
    # Cancelled: it cannot be cancelled again nor used.
    again = api(w.office).post(f"/api/permits/{walked.pk}/cancel/", {"reason": "再次"})
    assert again.status_code == 409 and again.json()["code"] == "STEP_OUT_OF_TURN"
    page = web(w.office).get(reverse("web:permit", args=[walked.pk])).content.decode()
    assert 'id="permit-cancel"' not in page and "已作废" in page


def test_the_api_cancels_and_an_expired_permit_cannot_be_cancelled(world):
    from tests.quota.permit_world import counters

    w = world
    _walked, _posting, recorded, stale = _arrange(w)
    r = api(w.office).post(f"/api/permits/{stale.pk}/cancel/", {"reason": "x"})
    assert r.status_code == 409 and "已过期" in r.json()["message"]
    r = api(w.office).post(f"/api/permits/{recorded.pk}/cancel/", {"reason": "退回"})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert counters(w.ins)[2] == 0


def test_the_permit_pages_in_english(world):
    w = world
    walked, *_ = _arrange(w)
    client = web(w.office)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    listing = client.get(reverse("web:permits")).content.decode()
    for words in (
        "Quota-use permit",
        "Backed by",
        "Reserved vacancies",
        "Civil service examination",
    ):
        assert words in listing, words
    assert "核准依据" not in listing and "空编预留" not in listing
    page = client.get(reverse("web:permit", args=[walked.pk])).content.decode()
    assert "Cancel the permit" in page and "撤销核准" not in page

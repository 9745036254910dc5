"""The matters pages render for the roles that use them (zh-hans)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import client_for
from .helpers import submit_new

pytestmark = pytest.mark.django_db


def test_forms_lists_and_navigation(w):
    form = client_for(w.office).get(
        reverse("web:approval_new_kind", args=["matter_establish"])
    )
    text = form.content.decode()
    assert form.status_code == 200
    for label in ("机构名称", "机构规格", "计入机构限额", "核定编制数", "申请材料"):
        assert label in text
    assert "示例区（990102）" in text
    req = submit_new(
        w.hr, "matter_rename", unit_id=str(w.finance.pk), new_name="示例区财政事务局",
        reason="更名",
    )  # fmt: skip
    for actor in (w.hr, w.office, w.city_office):
        page = client_for(actor).get(reverse("web:matters"))
        assert page.status_code == 200
        assert f'data-request="{req.pk}"' in page.content.decode()
        assert "机构编制事项" in page.content.decode()
    page = client_for(w.hr_archive).get(reverse("web:matters")).content.decode()
    assert f'data-request="{req.pk}"' not in page
    assert (
        client_for(w.hr_archive).get(reverse("web:matter", args=[req.pk])).status_code
        == 404
    )
    home = client_for(w.office).get(reverse("web:coordination")).content.decode()
    assert "顶格协调事项" in home and 'id="coordination-new"' in home
    inspector = client_for(w.inspector).get(reverse("web:coordination"))
    assert inspector.status_code == 200
    assert 'id="coordination-new"' not in inspector.content.decode()
    assert (
        client_for(w.inspector).get(reverse("web:coordination_new")).status_code == 403
    )

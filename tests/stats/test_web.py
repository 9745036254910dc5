"""统计报表 pages and API: scope (404 outside, 403 without the permission),
drill-down links, downloads."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.urls import reverse

FORM = "overview"


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def page(name=FORM):
    return reverse("web:stats_form", args=[name])


def test_list_and_nav(cast, login):
    client = login(cast.office)
    response = client.get(reverse("web:stats"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "机构编制总体情况表" in text and "编制变动台账" in text
    assert reverse("web:stats") in text  # the nav item


def test_office_sees_city_form_with_drill_links(world, cast, login):
    client = login(cast.office)
    response = client.get(page(), {"as_of": "2026-06-15"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "示例市财政局" in text and "合计" in text
    assert 'colspan="9"' in text and "机构数（个）" in text  # the two-level header
    assert f"unit={world.bureau.pk}" in text  # a unit row drills into the unit
    assert "region=990102" in text  # a district row into the district
    for fmt in ("xlsx", "csv", "json", "pdf"):
        assert reverse("web:stats_download", args=[FORM, fmt]) in text
    unit_page = client.get(page(), {"unit": world.bureau.pk, "as_of": "2026-06-15"})
    body = unit_page.content.decode()
    # The account rows drill to the roster search on the date.
    assert (
        reverse("web:roster_search")
        + f"?unit={world.bureau.pk}&amp;category=administrative&amp;as_of=2026-06-15"
        in body
    )
    ledger = client.get(page("ledger"), {"as_of": "2026-06-15"}).content.decode()
    assert "示编〔2026〕7号" in ledger and "/movements/" in ledger


def test_every_form_page_renders(world, cast, login):
    client = login(cast.office)
    for name in ("overview", "unit_usage", "leader_posts", "ledger"):
        for params in ({}, {"region": "990103"}, {"unit": world.bureau.pk}):
            response = client.get(page(name), {"as_of": "2026-06-15", **params})
            assert response.status_code == 200, (name, params)


def test_downloads(world, cast, login):
    client = login(cast.office)
    url = reverse("web:stats_download", args=[FORM, "xlsx"])
    response = client.get(url, {"as_of": "2026-06-15", "region": "990100"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "机构编制总体情况表"
    data = client.get(
        reverse("web:stats_download", args=[FORM, "json"]), {"as_of": "2026-06-15"}
    )
    assert isinstance(json.loads(data.content), list)
    csv_data = client.get(reverse("web:stats_download", args=[FORM, "csv"]))
    assert csv_data.content.startswith("\ufeff".encode())


def test_unit_user_scope(world, cast, login):
    client = login(cast.hr_bureau)
    # Their own unit: the default selection and by id.
    response = client.get(page(), {"as_of": "2026-06-15"})
    assert response.status_code == 200
    assert "示例市财政局" in response.content.decode()
    assert "示例市审计局" not in response.content.decode()
    # The sub-unit is not theirs: not in the form.
    assert "示例市财政信息中心" not in response.content.decode()
    assert client.get(page(), {"unit": world.bureau.pk}).status_code == 200
    # Region-wide forms, the city included, and other units: 404.
    assert client.get(page(), {"region": "990100"}).status_code == 404
    assert client.get(page(), {"region": "990102"}).status_code == 404
    assert client.get(page(), {"unit": world.other.pk}).status_code == 404
    download = reverse("web:stats_download", args=[FORM, "csv"])
    assert client.get(download, {"region": "990100"}).status_code == 404
    # The API answers the same.
    api = reverse("api-stats-form", args=[FORM])
    assert client.get(api, {"region": "990100"}).status_code == 404
    assert client.get(api, {"unit": world.other.pk}).status_code == 404


def test_office_outside_its_region_is_404(world, cast, login):
    from bianzhi.accounts.services import role_assign, user_create
    from bianzhi.core.actor import Actor

    user = user_create(
        actor=Actor.system(),
        username="dist",
        password="ceshi-mima-2024",
        full_name="区编办",
    )
    role_assign(
        actor=Actor.system(), user=user, role="office_admin", region=world.district
    )
    client = login(user)
    assert client.get(page(), {"region": "990102"}).status_code == 200
    assert client.get(page(), {"region": "990100"}).status_code == 404
    assert client.get(page(), {"unit": world.bureau.pk}).status_code == 404


def test_bad_input(world, cast, login):
    client = login(cast.office)
    response = client.get(page(), {"as_of": "2026-02-30"})
    assert response.status_code == 400
    assert "DATE_INVALID" in response.content.decode()
    assert client.get(page("nosuchform")).status_code == 404
    api = client.get(reverse("api-stats-form", args=["nosuchform"]))
    assert api.status_code == 404 and api.json()["code"] == "FORM_UNKNOWN"
    bad = client.get(reverse("api-stats-form", args=[FORM]), {"as_of": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "DATE_INVALID"


def test_administrators_may_not(world, cast, login):
    client = login(cast.auditor)
    assert client.get(reverse("web:stats")).status_code == 403
    assert client.get(page()).status_code == 403
    assert client.get(reverse("api-stats")).status_code == 403


def test_api(world, cast, login):
    client = login(cast.office)
    listing = client.get(reverse("api-stats")).json()
    assert {
        "name": "overview",
        "number": 1,
        "title": "机构编制总体情况表",
        "yoy": True,
    } in listing
    data = client.get(
        reverse("api-stats-form", args=["unit_usage"]),
        {"as_of": "2026-06-15", "unit": world.bureau.pk},
    ).json()
    assert data["title"] == "单位编制使用情况表"
    assert data["columns"][0] == {
        "key": "name",
        "label": "单位名称",
        "group": "",
        "kind": "text",
    }
    assert data["rows"][0]["name"] == "示例市财政局"
    assert data["totals"]["occupied"] == 5
    assert len(data["drill"]) == len(data["rows"])


def test_year_over_year_toggle(world, cast, login):
    client = login(cast.office)
    plain = client.get(page(), {"as_of": "2026-06-15"}).content.decode()
    assert 'name="yoy"' in plain and ">上年同期</th>" not in plain
    compared = client.get(page(), {"as_of": "2026-06-15", "yoy": "1"}).content.decode()
    assert ">上年同期</th>" in compared and ">增减</th>" in compared
    # The drill-down links keep the comparison on.
    assert "yoy=1" in compared
    ledger = client.get(page("ledger"), {"yoy": "1"}).content.decode()
    assert 'name="yoy"' not in ledger and ">上年同期</th>" not in ledger
    data = client.get(
        reverse("api-stats-form", args=[FORM]), {"as_of": "2026-06-15", "yoy": "1"}
    ).json()
    assert "occupied__prev" in data["rows"][0]


def test_up_links(world, cast, login):
    client = login(cast.office)
    centre = client.get(page(), {"unit": world.centre.pk}).content.decode()
    assert f"unit={world.bureau.pk}" in centre and "返回上级单位" in centre
    bureau = client.get(page(), {"unit": world.bureau.pk}).content.decode()
    assert "返回所属区划" in bureau and "region=990100" in bureau
    district = client.get(page(), {"region": "990102"}).content.decode()
    assert "返回上级区划" in district
    hr = login(cast.hr_bureau).get(page()).content.decode()
    assert "返回" not in hr.split("点击数字可逐级查看明细")[1][:40]

"""The pages: dashboard, decision display, warnings, thresholds, the top-bar
count; scope (404 outside, 403 wrong role) and evidence links that resolve."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from bianzhi.core.models import AuditEvent
from bianzhi.quota import services as quota
from bianzhi.quota.models import QuotaAccount
from bianzhi.stats.models import WarningThreshold

from .conftest import SYSTEM, enroll, today

pytestmark = pytest.mark.django_db


def with_badge(settings) -> None:
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    if "bianzhi.web.context_warnings.warnings_badge" not in processors:
        settings.TEMPLATES = [
            {
                **settings.TEMPLATES[0],
                "OPTIONS": {
                    **settings.TEMPLATES[0]["OPTIONS"],
                    "context_processors": [
                        *processors,
                        "bianzhi.web.context_warnings.warnings_badge",
                    ],
                },
            }
        ]


def over_quota(city) -> None:
    account = QuotaAccount.objects.get(unit=city.education)
    for n in range(account.vacancy):
        enroll(city.education, 30 + n)
    quota.quota_recall(
        actor=SYSTEM,
        unit=city.education,
        category="administrative",
        funding="full",
        amount=1,
        doc_no="示编〔2026〕40号",
        effective_date=today(),
        reason="机构改革核减",
        reform=True,
    )


def test_dashboard_page_for_the_office(city, cast, staffed, as_user):
    client = as_user(cast.office)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "机构编制驾驶舱" in html and "示例市" in html
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html
    for key in (
        "trend",
        "pyramid",
        "education",
        "identity",
        "rank",
        "category",
        "over",
        "grid",
    ):
        assert f'id="chart-{key}"' in html and f'id="table-{key}"' in html
        assert f'data-export-csv="{key}"' in html
    assert 'id="dashboard-data"' in html
    assert re.search(r'id="kpi-occupied">10<', html)
    # The region selector leads into the district; the 404 outside.
    assert client.get("/dashboard/?region=990102").status_code == 200
    assert client.get("/dashboard/?region=990000").status_code == 404
    assert client.get("/dashboard/?as_of=2024-13-01").status_code == 400
    assert client.get(f"/dashboard/?unit={city.education.pk}").status_code == 200


def test_dashboard_scope_for_unit_users(city, cast, staffed, as_user):
    client = as_user(cast.hr_education)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="kpi-occupied">4<', html)  # 教育局 only
    assert re.search(r'id="kpi-units">1<', html)
    assert client.get(f"/dashboard/?unit={city.finance.pk}").status_code == 404
    assert client.get("/dashboard/?region=990100").status_code == 404
    assert client.get(f"/dashboard/decision/?unit={city.finance.pk}").status_code == 404
    assert client.get("/dashboard/decision/").status_code == 200
    assert client.get("/api/dashboard/?region=990100").status_code == 404
    assert client.get(f"/api/dashboard/?unit={city.finance.pk}").status_code == 404
    # No VIEW_WARNINGS: the warnings are refused, not hidden.
    assert client.get("/warnings/").status_code == 403
    assert client.get("/api/warnings/").status_code == 403


def test_unit_hr_does_not_see_sub_units(city, cast, staffed, as_user):
    # 财政信息中心 is a sub-unit of 财政局 but outside its HR officer's scope.
    client = as_user(cast.hr_finance)
    html = client.get("/dashboard/").content.decode()
    assert re.search(r'id="kpi-units">1<', html)
    assert client.get("/api/dashboard/").json()["headline"]["units"] == 1
    assert client.get(f"/dashboard/?unit={city.centre.pk}").status_code == 404
    # The office sees the subtree: 财政局 and its 信息中心.
    office = as_user(cast.office).get(f"/api/dashboard/?unit={city.finance.pk}").json()
    assert office["headline"]["units"] == 2


def test_admins_see_no_dashboard(city, cast, as_user):
    assert as_user(cast.auditor).get("/dashboard/").status_code == 403


def test_decision_page(city, cast, staffed, as_user):
    client = as_user(cast.office)
    response = client.get("/dashboard/decision/?region=990102")
    assert response.status_code == 200
    html = response.content.decode()
    assert "老化指数" in html and "招聘计划倾斜测算" in html
    assert 'id="decision-data"' in html and 'id="chart-tilt"' in html
    assert "分析结论" in html


def test_warnings_page_counts_and_evidence_links_resolve(city, cast, staffed, as_user):
    over_quota(city)
    client = as_user(cast.office)
    response = client.get("/warnings/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "尚未启用（督查模块未上线）" in html
    assert re.search(r'id="rule-over_quota".*?>1</a>', html, re.S)
    links = set(re.findall(r'class="evidence" href="([^"]+)"', html))
    assert links, "no evidence links"
    for url in links:
        target = url.replace("&amp;", "&").split("#")[0]
        assert client.get(target).status_code == 200, url
    filtered = client.get("/warnings/?rule=over_quota").content.decode()
    assert (
        "示例市教育局" in filtered
        and "示例市财政局" not in filtered.split("预警明细")[1]
    )
    assert client.get("/warnings/?region=990102").status_code == 200
    assert client.get("/warnings/?region=990000").status_code == 404


def test_inspector_sees_warnings_not_settings_form(city, cast, as_user):
    client = as_user(cast.inspector)
    assert client.get("/warnings/").status_code == 200
    page = client.get("/warnings/thresholds/")
    assert page.status_code == 200 and 'name="value"' not in page.content.decode()
    refused = client.post(
        "/warnings/thresholds/", {"region": "990100", "rule": "ageing", "value": "30"}
    )
    assert refused.status_code == 403
    assert not WarningThreshold.objects.exists()


def test_leader_sets_a_threshold(city, cast, as_user):
    client = as_user(cast.leader)
    page = client.get("/warnings/thresholds/?region=990100")
    assert 'id="v-ageing"' in page.content.decode()
    before = AuditEvent.objects.count()
    response = client.post(
        "/warnings/thresholds/", {"region": "990100", "rule": "ageing", "value": "30"}
    )
    assert response.status_code == 302
    assert WarningThreshold.objects.get(region_id="990100", rule="ageing").value == 30
    assert AuditEvent.objects.count() == before + 1
    bad = client.post(
        "/warnings/thresholds/",
        {"region": "990100", "rule": "ageing", "value": "-3"},
        follow=True,
    )
    assert "阈值必须是不小于0的数字" in bad.content.decode()
    assert (
        client.post(
            "/warnings/thresholds/",
            {"region": "990000", "rule": "ageing", "value": "3"},
        ).status_code
        == 404
    )
    # The office admin may view but not set (MANAGE_WARNINGS is the leader's).
    assert (
        as_user(cast.office)
        .post(
            "/warnings/thresholds/",
            {"region": "990100", "rule": "ageing", "value": "1"},
        )
        .status_code
        == 403
    )


def test_top_bar_count_for_office_staff(city, cast, as_user, settings):
    from django.core.cache import cache

    with_badge(settings)
    cache.clear()  # the count is cached a minute per scope, across tests too
    over_quota(city)
    office = as_user(cast.office)
    # The page only holds the slot; htmx loads the count after it.
    assert 'id="warnings-badge-slot"' in office.get("/").content.decode()
    html = office.get(reverse("web:warnings_badge")).content.decode()
    badge = re.search(r'id="warnings-badge".*?</a>', html, re.S)
    assert badge, "no warnings badge"
    from bianzhi.accounts import access
    from bianzhi.stats.dashboard_scope import warning_scope_for
    from bianzhi.stats.warnings import warnings_report

    total = warnings_report(warning_scope_for(access, cast.office)).total
    assert f">{total}</span>" in badge.group(0) and total >= 1
    unit = as_user(cast.hr_finance)
    assert 'id="warnings-badge' not in unit.get("/").content.decode()
    assert unit.get(reverse("web:warnings_badge")).status_code == 403


def test_navigation_lists_the_pages(city, cast, as_user):
    html = as_user(cast.office).get("/").content.decode()
    assert 'href="/dashboard/"' in html and 'href="/warnings/"' in html
    unit_html = as_user(cast.hr_finance).get("/").content.decode()
    assert 'href="/dashboard/"' in unit_html and 'href="/warnings/"' not in unit_html


@override_settings()
def test_api_shapes(city, cast, staffed, as_user):
    over_quota(city)
    client = as_user(cast.office)
    data = client.get("/api/dashboard/").json()
    assert set(data) >= {
        "as_of",
        "selection",
        "headline",
        "trend",
        "age_pyramid",
        "education",
        "identity",
        "rank",
        "category_funding",
        "top_over",
        "grid",
        "notes",
    }
    assert set(data["headline"]) == {
        "units",
        "approved",
        "occupied",
        "vacancy",
        "over",
        "fiscal",
        "fiscal_on",
        "fiscal_off",
    }
    assert len(data["trend"]["months"]) == 12
    assert client.get("/api/dashboard/?as_of=bad").json()["code"] == "DATE_INVALID"
    warnings = client.get("/api/warnings/").json()
    assert set(warnings) == {"today", "total", "rules", "warnings"}
    codes = [r["code"] for r in warnings["rules"]]
    assert "over_quota" in codes and "overdue_supervision" in codes
    sup = next(r for r in warnings["rules"] if r["code"] == "overdue_supervision")
    assert sup["enabled"] is False and sup["count"] is None
    assert warnings["total"] == sum(r["count"] or 0 for r in warnings["rules"])
    first = next(w for w in warnings["warnings"] if w["rule"] == "over_quota")
    assert first["unit_id"] == city.education.pk
    assert {"kind", "ref", "label", "url"} <= set(first["evidence"][0])
    only = client.get("/api/warnings/?rule=over_quota").json()["warnings"]
    assert {w["rule"] for w in only} == {"over_quota"}

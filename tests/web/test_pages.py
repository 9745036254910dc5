"""Pages render for the right people, in Chinese, and reveal nothing out of scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bianzhi.quota.models import QuotaMovement

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_login_page_is_chinese_and_anonymous_is_redirected(client, city):
    response = client.get("/units/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    page = client.get(reverse("web:login"))
    assert page.status_code == 200
    assert "用户名" in text(page) and "密码" in text(page) and "登录" in text(page)
    assert 'lang="zh-CN"' in text(page)


def test_login_with_password_then_logout(client, cast):
    response = client.post(
        reverse("web:login"), {"username": "office", "password": "ceshi-mima-2024"}
    )
    assert response.status_code == 302
    assert "工作台" in text(client.get("/"))
    client.post(reverse("web:logout"))
    assert client.get("/").status_code == 302
    wrong = client.post(
        reverse("web:login"), {"username": "office", "password": "wrong"}
    )
    assert "用户名或密码不正确" in text(wrong)


def test_language_switch_to_english_and_back(client, cast):
    client.force_login(cast.office)
    # Accept-Language alone does not switch: the default UI is zh-hans.
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="zh-CN"' in text(page)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = text(client.get("/"))
    assert 'lang="en"' in english and "Unit tree" in english and "机构树" not in english
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-CN"' in text(client.get("/"))


def test_office_admin_pages(city, cast, as_user):
    client = as_user(cast.office)
    finance = city.finance.pk
    expected = {
        "/": ["工作台", "我的角色与范围", "编办业务科室人员", "最近的编制变动"],
        "/units/": ["机构树", "示例市财政局", "示例市财政信息中心", "示例区民政局"],
        f"/units/{finance}/": ["基本情况", "编制账户", "领导职数", "内设机构", "三定未录入", "历史沿革"],
        f"/units/{finance}/certificate/": ["机构编制管理证", "第一部分", "第五部分", "第一至六部分"],
        "/movements/": ["编制变动台账", "示编〔2020〕5号", "核增总量"],
        "/regions/": ["区划编制总量", "示例市", "示例区"],
        "/regions/990100/": ["编制总量控制", "机构限额", "未归还的周转编制", "已逾期"],
        "/office/": ["机构编制业务办理", "核定编制", "冲正编制变动", "设立机构"],
        "/search/?q=财政": ["示例市财政局", "示例市财政信息中心"],
        "/search/?q=示编〔2020〕5号": ["示编〔2020〕5号"],
    }  # fmt: skip
    for url, needles in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        for needle in needles:
            assert needle in text(response), (url, needle)


def test_certificate_cover_colour_and_roster_part(city, cast, as_user):
    client = as_user(cast.office)
    organ = text(client.get(f"/units/{city.finance.pk}/certificate/"))
    institution = text(client.get(f"/units/{city.centre.pk}/certificate/"))
    assert "bz-cert-red" in organ and "bz-cert-blue" in institution
    # Part 6 (实名制人员) is printed by the roster (issue 3).
    assert "第六部分" in organ and "第一至六部分" in organ


def test_region_page_without_cap_says_so(city, cast, as_user):
    client = as_user(cast.office)
    assert "限额未设置" in text(client.get("/regions/990102/"))


def test_movement_detail_and_filters(city, cast, as_user):
    client = as_user(cast.office)
    loan = QuotaMovement.objects.get(kind="loan")
    page = client.get(f"/movements/{loan.pk}/")
    assert page.status_code == 200
    assert (
        "借出" in text(page)
        and "示例市财政局" in text(page)
        and "归还期限" in text(page)
    )
    by_kind = text(client.get("/movements/?kind=grant"))
    assert "示编〔2020〕5号" in by_kind and "示编〔2020〕7号" not in by_kind
    by_dates = text(client.get("/movements/?date_from=2024-01-01&date_to=2024-12-31"))
    assert "示编〔2024〕9号" in by_dates and "示编〔2020〕5号" not in by_dates
    by_unit = text(client.get(f"/movements/?unit={city.education.pk}"))
    assert "示编〔2020〕6号" in by_unit and "示编〔2020〕5号" not in by_unit
    bad = client.get("/movements/?date_from=2024-13-45")
    assert bad.status_code == 400 and "DATE_INVALID" in text(bad)


def test_approved_links_to_the_movements_of_its_account(city, cast, as_user):
    client = as_user(cast.office)
    page = text(client.get(f"/units/{city.finance.pk}/"))
    start = page.index("/movements/?account=")
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    rows = text(client.get(link))
    assert "示编〔2020〕5号" in rows and "示编〔2024〕9号" in rows
    assert "示编〔2020〕6号" not in rows  # another unit's grant


def test_as_of_in_the_url_changes_what_is_shown(city, cast, as_user):
    client = as_user(cast.office)
    url = f"/units/{city.finance.pk}/"
    today = text(client.get(url))
    before_rename = text(client.get(url + "?as_of=2023-01-01"))
    assert "<h1" in today and "示例市财政局</h1>" in today
    assert "示例市财政委员会</h1>" in before_rename
    # 10 granted in 2020 + 2 borrowed in 2021; the 2024 grant of 5 is not yet there.
    assert '">12</a>' in before_rename and '">17</a>' in today
    # The unit's movements as they stood then: the 2024 grant is not listed yet.
    assert "示编〔2024〕9号" in today and "示编〔2024〕9号" not in before_rename
    before_start = text(client.get(url + "?as_of=2019-06-01"))
    assert "尚未设立" in before_start
    tree_2019 = text(client.get("/units/?as_of=2019-06-01"))
    assert "示例市财政局" not in tree_2019
    bad = client.get(url + "?as_of=2023-02-30")
    assert bad.status_code == 400 and "DATE_INVALID" in text(bad)


def test_unit_tree_filters(city, cast, as_user):
    client = as_user(cast.office)
    institutions = text(client.get("/units/?kind=institution"))
    assert "示例市财政信息中心" in institutions
    assert "示例市教育局" not in institutions
    district = text(client.get("/units/?region=990102"))
    assert "示例区民政局" in district and "示例市教育局" not in district


def test_unit_hr_sees_only_their_unit(city, cast, as_user):
    client = as_user(cast.hr_finance)
    assert client.get(f"/units/{city.finance.pk}/").status_code == 200
    tree = text(client.get("/units/"))
    assert "示例市财政局" in tree and "示例市教育局" not in tree
    movements = text(client.get("/movements/"))
    assert "示编〔2020〕5号" in movements and "示编〔2020〕6号" not in movements
    nav = text(client.get("/"))
    assert "业务办理" not in nav and "审计日志" not in nav


def test_other_unit_hr_sees_nothing_of_the_first(city, cast, as_user):
    client = as_user(cast.hr_education)
    finance = city.finance.pk
    grant = QuotaMovement.objects.get(doc_no="示编〔2020〕5号")
    for url in (
        f"/units/{finance}/",
        f"/units/{finance}/?as_of=2023-01-01",
        f"/units/{finance}/certificate/",
        f"/movements/{grant.pk}/",
        f"/movements/?unit={finance}",
        "/regions/990100/",
        f"/office/quota_grant/numbers/?unit={finance}&category=administrative&funding=full",
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "示例市财政局" not in text(response), url
    assert client.get(f"/units/{finance}/").status_code == 404
    assert "示例市财政局" not in text(client.get("/search/?q=财政"))
    assert "示编〔2020〕5号" not in text(client.get("/movements/"))
    assert "示例市财政局" not in text(client.get("/units/"))


def test_inspector_reads_but_may_not_use_forms(city, cast, as_user):
    client = as_user(cast.inspector)
    assert client.get(f"/units/{city.finance.pk}/").status_code == 200
    assert "业务办理" not in text(client.get("/"))
    for url in ("/office/", "/office/quota_grant/", "/office/unit_establish/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "当前角色无权执行此操作" in text(response)
    post = client.post(
        "/office/quota_grant/",
        {"unit": city.finance.pk, "category": "administrative", "funding": "full"},
    )
    assert post.status_code == 403


def test_audit_admin_sees_only_the_audit_log(city, cast, as_user):
    client = as_user(cast.auditor)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == reverse("web:system")
    system = text(client.get("/system/"))
    assert "系统管理" in system and "审计日志" in system
    assert "机构树" not in system and "业务办理" not in system
    log = client.get("/audit/")
    assert log.status_code == 200
    assert "unit_establish" in text(log) and "quota_grant" in text(log)
    assert client.get(f"/units/{city.finance.pk}/").status_code == 404
    assert client.get("/regions/990100/").status_code == 404
    assert client.get("/office/quota_grant/").status_code == 403
    assert "示编〔2020〕5号" not in text(client.get("/movements/"))


def test_audit_log_filters_event_and_chain_check(city, cast, as_user):
    client = as_user(cast.auditor)
    filtered = text(client.get("/audit/?operation=quota_loan"))
    assert "示编〔2021〕8号" in filtered and "示编〔2020〕5号" not in filtered
    assert client.get("/audit/1/").status_code == 200
    verify = client.get("/audit/verify/", HTTP_HX_REQUEST="true")
    assert "审计链完整" in text(verify)
    assert "<html" not in text(verify)  # the htmx partial
    assert "审计链完整" in text(client.get("/audit/verify/"))


def test_audit_log_is_not_for_business_roles(cast, as_user):
    client = as_user(cast.office)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/verify/").status_code == 403


def test_sys_admin_has_no_business_pages(city, cast, as_user):
    client = as_user(cast.sysadmin)
    assert client.get("/").status_code == 302
    page = text(client.get("/system/"))
    assert "系统管理" in page and "审计日志" not in page.split("</nav>")[0]
    assert client.get("/audit/").status_code == 403


def test_unknown_pages_are_404(cast, as_user):
    client = as_user(cast.office)
    assert client.get("/units/999999/").status_code == 404
    assert client.get("/movements/999999/").status_code == 404
    assert client.get("/regions/123456/").status_code == 404
    assert client.get("/office/no_such_form/").status_code == 404
    unrouted = client.get("/no/such/page/")
    assert unrouted.status_code == 404 and "未找到" in text(unrouted)


def test_business_users_are_refused_system_pages(cast, as_user):
    assert as_user(cast.office).get("/system/").status_code == 403


def test_ledger_page_queries_do_not_grow_with_rows(
    city, cast, as_user, django_assert_max_num_queries
):
    client = as_user(cast.office)
    with django_assert_max_num_queries(20):
        assert client.get("/movements/").status_code == 200

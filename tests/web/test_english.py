"""The English catalogue covers the roster, portal, review and exchange pages.

The UI is Chinese by default; a user who picks English through the language
switcher must not meet untranslated page chrome on the newer pages. Domain
labels (approval kinds and steps, statistics forms and columns, warning and
reconciliation rules, value sets such as unit kinds and categories, error-code
titles) are translated on pages at display time by the `label` filter
(web/label_text.py, msgids in the generated web/label_catalog.py); records
(audit events, signed documents, exports, CLI output) and the detail text of
error messages stay Chinese. test_english_labels.py and its siblings test that.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.urls import reverse

import bianzhi.web

pytestmark = pytest.mark.django_db

CATALOGUE = (
    Path(bianzhi.web.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
)


def english(client, user):
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_office_sees_roster_review_and_exchange_pages_in_english(client, city, cast):
    english(client, cast.office)
    expected = {
        "/": ["People search", "Change request review", "Data import", "Data export"],
        reverse("web:roster_search"): ["People search", "Quick search", "Pinyin initials", "Reset"],
        reverse("web:requests"): ["Change request review", "No change requests"],
        reverse("web:imports"): ["Data import", "Dry run: check only", "Upload and start"],
        reverse("web:exports"): ["Data export", "File format", "Export"],
    }  # fmt: skip
    for url, needles in expected.items():
        text = page(client, url)
        assert 'lang="en"' in text, url
        for needle in needles:
            assert needle in text, (url, needle)
    search = page(client, reverse("web:roster_search"))
    for chinese in ("人员查询", "综合查询", "拼音首字母", "重置"):
        assert chinese not in search, chinese


def test_unit_hr_sees_the_unit_portal_in_english(client, city, cast):
    english(client, cast.hr_finance)
    unit = page(client, reverse("web:portal_unit", args=[city.finance.pk]))
    assert "My unit" in unit and "To do" in unit and "本单位" not in unit
    people = page(client, reverse("web:portal_people", args=[city.finance.pk]))
    assert "Name or pinyin initials" in people and "姓名或拼音首字母" not in people


def test_office_sees_the_new_pages_of_this_release_in_english(client, city, cast):
    """Approvals, enrollment, matters, stats, dashboard and reconciliation chrome."""
    english(client, cast.office)
    expected = {
        reverse("web:approval_new"): ["New application", "Fill in"],
        reverse("web:approvals_notifications"): ["Approval messages", "No new messages"],
        reverse("web:enrollment_filings"): ["Enrollment publicity", "Publicity period"],
        reverse("web:matters"): ["Establishment matters", "Approval status"],
        reverse("web:coordination"): ["Top-level coordination items", "Responsible unit"],
        reverse("web:stats"): ["Statistical reports", "Report"],
        reverse("web:dashboard"): ["Dashboard", "Monthly trend of quota and occupied"],
        reverse("web:dashboard_decision"): ["Decision support analysis", "Ageing index"],
        reverse("web:warnings"): ["Warnings by rule", "Warning details"],
        reverse("web:reconcile_runs"): ["Data reconciliation", "New reconciliation"],
        reverse("web:reconcile_new"): ["Payroll data", "Upload and start reconciliation"],
        reverse("web:reconcile_handover"): ["Awaiting handover to inspection"],
    }  # fmt: skip
    chinese = ("新建申请", "审批消息", "入编公示", "顶格协调事项", "统计报表", "驾驶舱",
               "辅助决策", "预警明细", "数据比对", "工资统发数据", "待移交督查")  # fmt: skip
    for url, needles in expected.items():
        text = page(client, url)
        assert 'lang="en"' in text, url
        for needle in needles:
            assert needle in text, (url, needle)
        for word in chinese:
            assert word not in text, (url, word)


def _entries(text: str):
    """(msgid, msgstr, flags) of each entry of a .po file, plural-free."""
    for block in text.split("\n\n"):
        flags, parts, key = "", {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
            elif line.startswith("msgid ") or line.startswith("msgstr "):
                key, _, rest = line.partition(" ")
                parts[key] = [rest]
            elif line.startswith('"') and key:
                parts[key].append(line)
        if "msgid" in parts:
            msgid, msgstr = (
                "".join(ast.literal_eval(p) for p in parts[k])
                for k in ("msgid", "msgstr")
            )
            yield msgid, msgstr, flags


def test_catalogue_has_no_empty_or_fuzzy_entries():
    entries = [e for e in _entries(CATALOGUE.read_text(encoding="utf-8")) if e[0]]
    assert len(entries) > 700
    assert [m for m, s, _ in entries if not s] == []
    assert [m for m, _, f in entries if "fuzzy" in f] == []

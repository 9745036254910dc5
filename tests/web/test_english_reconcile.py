# ruff: noqa: F811 - the fixtures imported from reconcile_web are used by name
"""The reconciliation run page in English; its exports stay Chinese."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.reconcile_web.conftest import (  # noqa: F401 - fixtures
    cast,
    files,
    immediate,
    login,
    office_run,
    world,
)

pytestmark = pytest.mark.django_db
GHOST = "统发在册但不在实名制（疑似吃空饷）"


def _english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_run_page_shows_rule_names_in_english(office_run, cast, login):
    client = _english(login(cast.office_admin))
    page = client.get(reverse("web:reconcile_run", args=[office_run.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'lang="en"' in text
    for word in (
        "On payroll but not on the real-name roster (suspected ghost pay)",
        "Invalid ID number in external data",
    ):
        assert word in text, word
    for word in (GHOST, "外部数据身份号码无效"):
        assert word not in text, word
    runs = client.get(reverse("web:reconcile_runs")).content.decode()
    assert "Data reconciliation" in runs


def test_exports_of_an_english_user_stay_chinese(office_run, cast, login):
    client = _english(login(cast.office_admin))
    xlsx = client.get(f"/reconcile/{office_run.pk}/export.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    assert "单位汇总" in book.sheetnames
    assert any(name.startswith("R1 统发在册") for name in book.sheetnames)
    cells = [
        str(c)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
        if c
    ]
    assert not any("ghost pay" in c or "Invalid ID number" in c for c in cells)
    assert any(GHOST in c for c in cells)

"""Domain labels on English pages, and records that stay Chinese.

The labels the domain defines (unit kinds, quota categories, funding,
statistics forms and columns, warning rules, error-code titles) are plain
Chinese strings; the web layer translates them when it renders a page (the
`label` filter, web/label_text.py). Files (stats exports, PDFs) and CLI
output are records and stay Chinese whatever language the user picked.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdfium2
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

import bianzhi
from bianzhi.web import label_catalog, label_sources

from .test_english import CATALOGUE, _entries, english, page

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_unit_page_shows_kind_category_and_funding_in_english(client, city, cast):
    english(client, cast.office)
    text = page(client, reverse("web:unit", args=[city.finance.pk]))
    # The lineage quotes the recorded change (机构类别：政府部门 …): a record,
    # shown as it was written. Everything above it is translated.
    facts, _, lineage = text.partition('id="h-lineage"')
    assert 'class="col-sm-4">Government department</dd>' in facts
    for word in ("Administrative quota", "Full funding"):
        assert word in facts, word
    for word in ("政府部门", "行政编制", "财政拨款"):
        assert word not in facts, word
    assert "机构类别：政府部门" in lineage
    # User data is not translated: the unit keeps its Chinese name.
    assert "示例市财政局" in text


def test_the_default_page_is_still_chinese(client, city, cast):
    client.force_login(cast.office)
    text = page(client, reverse("web:unit", args=[city.finance.pk]))
    assert "政府部门" in text and "行政编制" in text and "财政拨款" in text
    assert "Government department" not in text


def test_stats_form_page_shows_title_and_headers_in_english(client, city, cast):
    english(client, cast.office)
    text = page(client, reverse("web:stats_form", args=["overview"]))
    for word in ("Establishment overview", "Region / unit", "Units (count)", "Total"):
        assert word in text, word
    for word in ("机构编制总体情况表", "区划/单位", "机构数（个）", ">合计<"):
        assert word not in text, word
    listing = page(client, reverse("web:stats"))
    assert "Staff structure analysis" in listing and "人员结构分析表" not in listing


def test_stats_downloads_of_an_english_user_stay_chinese(client, city, cast):
    english(client, cast.office)
    base = reverse("web:stats_download", args=["overview", "xlsx"])
    response = client.get(base)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = [
        str(c) for row in book.active.iter_rows(values_only=True) for c in row if c
    ]
    assert "区划/单位" in cells and "合计" in cells
    assert not any("Region" in c or "Total" == c for c in cells)
    csv_text = client.get(
        reverse("web:stats_download", args=["overview", "csv"])
    ).content.decode("utf-8-sig")
    assert "区划/单位" in csv_text.splitlines()[0] or "区划/单位" in csv_text
    assert "Region / unit" not in csv_text


def test_stats_pdf_of_an_english_user_stays_chinese(client, city, cast):
    english(client, cast.office)
    response = client.get(reverse("web:stats_download", args=["overview", "pdf"]))
    assert response.status_code == 200
    document = pypdfium2.PdfDocument(response.content)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    assert "机构编制总体情况表" in text and "合计" in text
    assert "Establishment overview" not in text and "Total" not in text


def test_cli_output_is_chinese_even_under_an_english_language(city):
    out = io.StringIO()
    with translation.override("en"):
        call_command("stats", "--list", stdout=out)
    text = out.getvalue()
    assert "机构编制总体情况表" in text and "Establishment overview" not in text


def test_warnings_page_shows_rule_names_in_english(client, city, cast):
    english(client, cast.office)
    text = page(client, reverse("web:warnings"))
    for word in ("Missing mandate", "Low quota headroom", "Overdue release filing"):
        assert word in text, word
    for word in ("三定规定缺失预警", "编制余量不足预警", "逾期出编备案预警"):
        assert word not in text, word
    # The rule in words too, with the threshold in force filled in.
    assert "but no agency cap in force" in text
    assert re.search(r"due in less than \d+ days or overdue", text)
    assert "周转池借出编制未归还" not in text


def test_error_page_translates_the_code_title_and_keeps_the_detail(client, city, cast):
    english(client, cast.office)
    response = client.get(reverse("web:stats_form", args=["nosuchform"]))
    assert response.status_code == 404  # FORM_UNKNOWN: nothing revealed
    from bianzhi.core.errors import ApplicationError, ErrorCode
    from bianzhi.web.label_text import error_text

    exc = ApplicationError(ErrorCode.QUOTA_FULL, "示例市财政局行政编制空编0名")
    with translation.override("en"):
        shown = error_text(exc.message)
    assert shown == (
        "The quota account is full: no room for intake: 示例市财政局行政编制空编0名"
    )
    with translation.override("zh-hans"):
        assert error_text(exc.message) == exc.message


# --- the catalogue -------------------------------------------------------------


def test_label_catalog_module_is_up_to_date():
    """A label added to a registry or value set must be regenerated into
    label_catalog.py (`bianzhi label_catalog`). A fresh process: tests
    register kinds of their own into the registries."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("DATABASE_URL", None)  # the check reads no database
    result = subprocess.run(
        [sys.executable, "-m", "bianzhi.cli", "label_catalog", "--check"],
        cwd=Path(bianzhi.__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_catalogued_label_has_an_english_translation_in_the_mo():
    po = dict(
        (msgid, msgstr) for msgid, msgstr, _ in _entries(CATALOGUE.read_text("utf-8"))
    )
    labels = list(label_catalog.LABELS)
    assert len(labels) > 600
    assert [label for label in labels if not po.get(label)] == []
    # The compiled .mo matches the .po for them (compilemessages was run).
    with translation.override("en"):
        stale = [label for label in labels if translation.gettext(label) != po[label]]
    assert stale == []
    # English text, not Chinese copied over (a gloss in brackets is fine).
    latin = re.compile(r"[A-Za-z]")
    copied = [
        label
        for label in labels
        if CJK.search(po[label]) and not latin.search(po[label])
    ]
    assert copied == []


def test_labels_cover_every_source_and_render_as_the_module_says():
    groups = label_sources.collect()
    assert set(groups) == set(label_sources.SOURCES)
    assert all(groups.values())
    assert label_sources.render_module(groups).count("    _(") == len(
        {label for labels in groups.values() for label in labels}
    )


def test_joined_labels_translate_part_by_part():
    from bianzhi.web.label_text import label_text

    with translation.override("en"):
        assert label_text("行政编制·财政拨款") == "Administrative quota · Full funding"
        assert label_text("示例市财政局") == "示例市财政局"  # data passes through
        assert label_text(None) == ""
    with translation.override("zh-hans"):
        assert label_text("行政编制·财政拨款") == "行政编制·财政拨款"

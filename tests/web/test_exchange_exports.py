"""数据导出 pages: scoped downloads, full IDs for the office only, background jobs."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.models import AuditEvent
from bianzhi.exchange.imports import run_import
from bianzhi.web.views import exchange_export

from .exchange_files import (  # noqa: F401 — fixtures
    XLSX,
    good_rows,
    immediate,
    media,
    person_row,
    roster_file,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate")]


@pytest.fixture
def people(city, tmp_path) -> dict[str, list[str]]:
    """Two people in 教育局 and one in 财政局, loaded through the import."""
    rows = [person_row(n, unit_name="示例市教育局") for n in (1, 2)]
    rows.append(person_row(3, unit_name="示例市财政局"))
    office = Actor(None, "张科员", "office_admin", "region:990100")
    result = run_import(
        actor=office,
        kind="roster",
        path=roster_file(tmp_path / "名册.xlsx", rows),
        commit=True,
    )
    assert result.committed, [e.text for e in result.errors]
    return {
        "education": [r["id_number"] for r in rows[:2]],
        "finance": [rows[2]["id_number"]],
    }


def _xlsx_rows(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [[c.value for c in row] for row in book.active.iter_rows()]


def test_office_downloads_the_whole_roster_with_full_ids(cast, as_user, people):
    client = as_user(cast.office)
    page = client.get("/exports/").content.decode()
    assert "示例市" in page and 'href="/exports/"' in page
    events = AuditEvent.objects.count()

    response = client.get("/exports/download/", {"what": "roster", "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    rows = _xlsx_rows(response)
    assert rows[0][:5] == [
        "序号",
        "单位名称",
        "统一社会信用代码",
        "姓名",
        "公民身份号码",
    ]
    ids = {row[4] for row in rows[1:]}
    assert ids == set(people["education"] + people["finance"])
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == events + 1
    assert event.operation == "data_export" and "含完整身份证号" in event.summary


def test_unit_hr_gets_only_their_unit_with_masked_ids(cast, as_user, people):
    client = as_user(cast.hr_education)
    assert client.get("/exports/").status_code == 200

    response = client.get("/exports/download/", {"what": "roster", "format": "csv"})

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    ids = [row[4] for row in rows[1:]]
    assert sorted(ids) == sorted(mask_id_number(n) for n in people["education"])
    for number in people["education"] + people["finance"]:
        assert number not in text
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.operation == "data_export" and "身份证号已脱敏" in event.summary
    # 实名制人员信息-示例市教育局-<date>.csv, RFC 5987-encoded
    assert (
        "%E7%A4%BA%E4%BE%8B%E5%B8%82%E6%95%99%E8%82%B2%E5%B1%80"
        in (response["Content-Disposition"])
    )
    assert response["Content-Disposition"].endswith(".csv")
    # Another unit or the region: the same 404 as a missing one.
    for params in ({"unit": _finance_id()}, {"region": "990100"}):
        assert client.get("/exports/download/", params).status_code == 404


def _finance_id() -> int:
    from bianzhi.orgs.models import Unit

    return Unit.objects.get(name="示例市财政局").pk


def test_office_exports_one_unit_and_the_units_ledger(cast, as_user, people):
    client = as_user(cast.office)
    one = client.get(
        "/exports/download/",
        {"what": "roster", "format": "xlsx", "unit": _finance_id()},
    )
    assert [row[4] for row in _xlsx_rows(one)[1:]] == people["finance"]
    units = client.get("/exports/download/", {"what": "units", "format": "xlsx"})
    assert units.status_code == 200
    rows = _xlsx_rows(units)
    assert rows[0][0] == "单位名称"
    assert {"示例市财政局", "示例市教育局"} <= {row[0] for row in rows[1:]}


def test_roles_without_export_and_bad_input(cast, as_user, people):
    inspector = as_user(cast.inspector)
    assert inspector.get("/exports/").status_code == 403
    assert inspector.get("/exports/download/").status_code == 403
    office = as_user(cast.office)
    bad = office.get("/exports/download/", {"what": "roster", "as_of": "2026-13-01"})
    assert bad.status_code == 400 and "DATE_INVALID" in bad.content.decode()
    assert office.get("/exports/download/", {"format": "pdf"}).status_code == 400


def test_big_export_runs_as_a_job_only_its_owner_sees(
    cast, as_user, people, monkeypatch
):
    monkeypatch.setattr(exchange_export, "SYNC_ROWS", 0)
    client = as_user(cast.office)

    response = client.get("/exports/download/", {"what": "roster", "format": "csv"})

    assert response.status_code == 302
    job_url = response["Location"]
    assert job_url.startswith("/exports/")
    page = client.get(job_url).content.decode()
    assert "共 3 行" in page and 'hx-trigger="every 1s"' not in page
    file = client.get(job_url + "file/")
    assert file.status_code == 200
    text = b"".join(file.streaming_content).decode("utf-8-sig")
    assert all(n in text for n in people["education"] + people["finance"])
    other = as_user(cast.leader)
    for suffix in ("", "progress/", "file/"):
        assert other.get(job_url + suffix).status_code == 404
    assert client.get("/exports/../../etc/file/").status_code == 404
    assert client.get("/exports/" + "0" * 32 + "/").status_code == 404

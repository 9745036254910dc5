"""Upload → job → results; counts, filters, masked IDs, exports, runs list."""

from __future__ import annotations

import csv
import io

from bianzhi.reconcile.models import ReconcileRun
from tests.reconcile.files import A, B, pid

from .conftest import upload


def test_upload_runs_and_shows_counts(cast, immediate, files, login):
    client = login(cast.office_admin)
    response = upload(client, **files)
    page = response.content.decode()
    # The job page (after the redirect) shows it finished, with the result link.
    assert response.redirect_chain[-1][0].startswith("/reconcile/jobs/")
    assert 'data-state="done"' in page and "查看比对结果" in page
    run = ReconcileRun.objects.get()
    assert run.created_by_name == "admin" and run.created_by_scope == "region:990100"
    assert f"/reconcile/{run.pk}/" in page
    # Uploads are removed once the job finished; the run keeps names and sha256.
    assert not any((immediate / "reconcile-uploads").rglob("*.csv"))
    assert {i["filename"] for i in run.inputs} >= {"payroll.csv", "roster.csv"}

    detail = client.get(f"/reconcile/{run.pk}/").content.decode()
    assert run.counts["R1"] == 1
    assert f'href="/reconcile/{run.pk}/?rule=R1#findings">1</a>' in detail
    assert "统发在册但不在实名制（疑似吃空饷）" in detail  # the rule's description
    assert run.inputs[0]["sha256"][:12] in detail
    # by unit: a count links to the unit's findings of that rule
    assert "unit=" in detail and "示例市乙局" in detail
    # Reload of the job page still works (status file), same result.
    job_url = response.redirect_chain[-1][0]
    assert 'data-state="done"' in client.get(job_url).content.decode()
    assert client.get(job_url + "progress/").status_code == 200


def test_ids_are_masked_in_lists(office_run, cast, login):
    client = login(cast.office_admin)
    detail = client.get(f"/reconcile/{office_run.pk}/").content.decode()
    ghost = pid(40, "19900101")
    assert ghost not in detail
    assert ghost[:4] + "*" * 10 + ghost[14:] in detail
    for n in (1, 3, 5, 7, 8):
        assert pid(n) not in detail
    refused = office_run.findings.get(rule="R9").id_number  # quoted by R9's 说明
    assert refused not in detail and refused[:4] + "*" * 10 in detail
    assert "<table" in detail and "bz-evidence" in detail  # evidence per source


def test_filters(office_run, cast, login):
    client = login(cast.office_admin)
    url = f"/reconcile/{office_run.pk}/"
    r5 = client.get(url, {"rule": "R5"}).content.decode()
    assert "孙丽" in r5 and "鬼影" not in r5
    by_name = client.get(url, {"q": "鬼影"}).content.decode()
    assert "鬼影" in by_name and "孙丽" not in by_name
    unit_b = client.get(url, {"unit": B, "rule": "R9"}).content.decode()
    assert "错号" in unit_b and "共 1 条" in unit_b
    assert "共 0 条" in client.get(url, {"status": "explained"}).content.decode()
    new = client.get(url, {"status": "new"}).content.decode()
    assert f"共 {office_run.findings_total} 条" in new
    # Unknown filter values are ignored rather than failing.
    assert client.get(url, {"rule": "R99", "status": "x"}).status_code == 200


def test_skipped_rules_are_shown(cast, immediate, files, login):
    client = login(cast.office_admin)
    upload(client, roster=files["roster"], payroll=files["payroll"])
    run = ReconcileRun.objects.get()
    assert {"R3", "R8"} <= {s["rule"] for s in run.skipped}
    detail = client.get(f"/reconcile/{run.pk}/").content.decode()
    r3 = detail.split('data-rule="R3"')[1].split("</tr>")[0]
    assert "未比对" in r3 and "已死亡或注销仍在编或领薪" in r3
    listing = client.get("/reconcile/").content.decode()
    assert 'title="未比对"' in listing


def test_runs_list_and_exports(office_run, cast, login):
    client = login(cast.office_admin)
    listing = client.get("/reconcile/").content.decode()
    assert "新建比对" in listing and "2026-10" in listing
    assert office_run.inputs[0]["sha256"][:12] in listing
    assert "数据比对" in client.get("/").content.decode()  # nav item

    xlsx = client.get(f"/reconcile/{office_run.pk}/export.xlsx")
    assert xlsx.status_code == 200
    body = b"".join(xlsx.streaming_content)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    assert "单位汇总" in book.sheetnames and any(
        s.startswith("R1 ") for s in book.sheetnames
    )
    exported = client.get(f"/reconcile/{office_run.pk}/export.csv")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "rule" and len(rows) == office_run.findings_total + 1
    assert client.get(f"/reconcile/{office_run.pk}/export.pdf").status_code == 404
    # Full ID numbers left the system twice: both downloads are in the audit trail.
    from bianzhi.core.models import AuditEvent

    exports = AuditEvent.objects.filter(operation="reconcile_export").order_by("seq")
    assert exports.count() == 2
    assert all(f"第{office_run.pk}次" in e.summary for e in exports)


def test_same_files_unit_a_is_named(office_run):
    # sanity of the fixture the other tests rely on
    assert office_run.findings.filter(unit_name=A).exists()

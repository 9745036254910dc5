"""Who may see what; refused inputs write nothing."""

from __future__ import annotations

from bianzhi.accounts.services import role_assign, user_create
from bianzhi.core.actor import Actor
from bianzhi.reconcile.models import Finding, ReconcileRun
from tests.reconcile.files import PAY_HEADER, A, pid, write

from .conftest import upload


def test_unit_hr_gets_403(office_run, cast, login):
    client = login(cast.hr_x)
    finding = Finding.objects.filter(run=office_run).first()
    for url in (
        "/reconcile/",
        "/reconcile/new/",
        f"/reconcile/{office_run.pk}/",
        "/reconcile/compare/",
        "/reconcile/handover/",
        f"/reconcile/findings/{finding.pk}/",
        f"/reconcile/{office_run.pk}/export.csv",
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            f"/reconcile/findings/{finding.pk}/review/", {"verdict": "confirmed"}
        ).status_code
        == 403
    )
    assert "/reconcile/" not in client.get("/").content.decode()


def test_other_region_office_gets_404(office_run, cast, world, login):
    other = user_create(
        actor=Actor.system(), username="o2", password="pw-123456", full_name="o2"
    )
    role_assign(
        actor=Actor.system(), user=other, role="office_admin", region=world.other_city
    )
    client = login(other)
    assert client.get(f"/reconcile/{office_run.pk}/").status_code == 404
    assert "2026-10" not in client.get("/reconcile/").content.decode()
    finding = Finding.objects.filter(run=office_run).first()
    assert client.get(f"/reconcile/findings/{finding.pk}/").status_code == 404
    # The city's leader (same region) sees it.
    leader = login(cast.office_leader)
    assert leader.get(f"/reconcile/{office_run.pk}/").status_code == 200


def _refused(client, message: str, **files):
    response = upload(client, **files)
    page = response.content.decode()
    assert message in page, page[-3000:]
    assert ReconcileRun.objects.count() == 0
    return page


def test_bad_files_show_the_message_and_store_nothing(
    cast, immediate, files, login, tmp_path
):
    client = login(cast.office_admin)
    wrong = write(
        tmp_path / "w.csv",
        ["姓名", "身份证号码", "单位名称", "金额"],
        [["张伟", pid(1), A, 1]],
    )
    page = _refused(client, "实发工资", roster=files["roster"], payroll=wrong)
    assert 'data-state="failed"' in page and "未保存任何结果" in page
    mixed = write(
        tmp_path / "m.csv",
        PAY_HEADER,
        [
            ["202610", A, "张伟", pid(1), "在编", 1],
            ["2026年9月", A, "张伟", pid(1), "在编", 1],
        ],
    )
    _refused(client, "2026年9月", roster=files["roster"], payroll=mixed)
    number = write(
        tmp_path / "n.csv",
        PAY_HEADER,
        [["202610", A, "张伟", "1.10105E+17", "在编", 1]],
    )
    _refused(client, "文本", roster=files["roster"], payroll=number)
    _refused(client, "同一个文件", payroll=files["payroll"], social=files["payroll"])
    # Refused before any job: the form again with the message (400).
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    response = upload(client, payroll=empty)
    assert response.status_code == 400 and "是空文件" in response.content.decode()
    response = upload(client, month="2026-13", payroll=files["payroll"])
    assert (
        response.status_code == 400
        and "比对月份应为 YYYY-MM" in response.content.decode()
    )
    response = upload(client, roster=files["roster"])
    assert response.status_code == 400 and "请至少上传" in response.content.decode()
    assert ReconcileRun.objects.count() == 0


def test_upload_too_large(cast, immediate, files, login, settings):
    settings.UPLOAD_MAX_BYTES = 100
    client = login(cast.office_admin)
    response = upload(client, payroll=files["payroll"])
    assert (
        response.status_code == 400 and "上传文件不得超过" in response.content.decode()
    )
    assert ReconcileRun.objects.count() == 0


def test_job_of_another_user_is_404(cast, immediate, files, login):
    client = login(cast.office_admin)
    response = upload(client, **files)
    job_url = response.redirect_chain[-1][0]
    assert login(cast.office_leader).get(job_url).status_code == 404
    assert client.get("/reconcile/jobs/nope/").status_code == 404

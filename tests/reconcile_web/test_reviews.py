"""Reviews in place (htmx), remembered next run; comparison; handover list."""

from __future__ import annotations

from bianzhi.reconcile.models import Finding, FindingReview, ReconcileRun
from tests.reconcile.files import PAY_HEADER, pid, write

from .conftest import upload

HX = {"HTTP_HX_REQUEST": "true"}


def _ghost(run) -> Finding:
    return Finding.objects.get(run=run, rule="R1")


def test_review_explained_needs_note_and_is_remembered(
    office_run, cast, files, login, tmp_path
):
    client = login(cast.office_admin)
    finding = _ghost(office_run)
    url = f"/reconcile/findings/{finding.pk}/review/"
    refused = client.post(url, {"verdict": "explained", "note": " "}, **HX)
    assert refused.status_code == 200
    assert "「已说明」须填写说明" in refused.content.decode()
    assert not FindingReview.objects.exists()

    done = client.post(url, {"verdict": "explained", "note": "临时人员，已核实"}, **HX)
    row = done.content.decode()
    assert row.startswith(f'<tr id="finding-{finding.pk}"') and "已说明" in row
    assert "临时人员，已核实" in row
    # Without htmx: the same action redirects (here to the finding page).
    plain = client.post(
        f"/reconcile/findings/{Finding.objects.get(run=office_run, rule='R9').pk}/review/",
        {"verdict": "false_positive"},
    )
    assert plain.status_code == 302

    # The same files again (another run of the month): the verdict is remembered.
    upload(client, **files)
    second = ReconcileRun.objects.exclude(pk=office_run.pk).get()
    again = _ghost(second)
    page = client.get(f"/reconcile/{second.pk}/", {"status": "explained"}).content
    assert "鬼影" in page.decode() and "临时人员，已核实" in page.decode()
    page = client.get(f"/reconcile/findings/{again.pk}/").content.decode()
    assert 'data-status="explained"' in page

    # Comparison: a next payroll without the ghost → R1 resolved.
    lines = [
        ["202610", "示例市甲局", "张伟", pid(1), "在编", 6000],
    ]
    smaller = write(tmp_path / "p2.csv", PAY_HEADER, lines)
    upload(client, roster=files["roster"], payroll=smaller)
    third = ReconcileRun.objects.order_by("-id").first()
    compare = client.get(
        "/reconcile/compare/", {"a": second.pk, "b": third.pk, "show": "resolved"}
    ).content.decode()
    assert "已消除疑点" in compare and "鬼影" in compare
    assert 'data-part="resolved"' in compare
    # Reversed order: the earlier run is still the base.
    swapped = client.get(
        "/reconcile/compare/", {"a": third.pk, "b": second.pk, "show": "resolved"}
    ).content.decode()
    assert "鬼影" in swapped
    same = client.get(
        "/reconcile/compare/", {"a": office_run.pk, "b": second.pk, "show": "new"}
    ).content.decode()
    assert 'data-part="new">0</a>' in same
    assert f'data-part="persisting">{second.findings_total}</a>' in same


def test_confirm_and_hand_over(office_run, cast, login):
    client = login(cast.office_admin)
    finding = Finding.objects.get(run=office_run, rule="R3")
    # Not confirmed yet: refused with the rule's message.
    early = client.post(f"/reconcile/findings/{finding.pk}/handover/", **HX)
    assert "只有核查结论为「已确认」的疑点才能移交督查" in early.content.decode()
    client.post(
        f"/reconcile/findings/{finding.pk}/review/", {"verdict": "confirmed"}, **HX
    )
    row = client.post(f"/reconcile/findings/{finding.pk}/handover/", **HX)
    assert "待移交督查" in row.content.decode()
    listing = client.get("/reconcile/handover/").content.decode()
    assert "王芳" in listing and f"/reconcile/findings/{finding.pk}/" in listing
    assert pid(3) not in listing and pid(3)[:4] + "*" * 10 in listing
    filtered = client.get(
        f"/reconcile/{office_run.pk}/", {"status": "handed_over"}
    ).content.decode()
    assert "王芳" in filtered and "共 1 条" in filtered

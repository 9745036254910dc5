"""The reconcile API: office roles only, IDs masked, review and handover."""

from __future__ import annotations

from bianzhi.core.actor import Actor
from bianzhi.reconcile.services import reconcile_run

from .files import MONTH, PAY_HEADER, ROSTER_HEADER, A, person, pid, write


def test_runs_findings_review_and_handover(cast, as_user, tmp_path):
    roster = write(tmp_path / "r.csv", ROSTER_HEADER, [person(A, 1, "张伟")])
    payroll = write(
        tmp_path / "p.csv", PAY_HEADER, [["202610", A, "鬼影", pid(9), "在编", 100]]
    )
    run = reconcile_run(
        actor=Actor.system("测试"), month=MONTH, roster_path=roster, payroll=payroll
    )
    office = as_user(cast.office_admin)
    listing = office.get("/api/reconcile/runs/").json()
    assert listing["results"][0]["id"] == run.pk
    detail = office.get(f"/api/reconcile/runs/{run.pk}/").json()
    assert {r["rule"]: r["count"] for r in detail["by_rule"]}["R1"] == 1
    findings = office.get(f"/api/reconcile/runs/{run.pk}/findings/?rule=R1").json()[
        "results"
    ]
    assert len(findings) == 1
    ghost = findings[0]
    assert ghost["id_number"] == pid(9)[:4] + "*" * 10 + pid(9)[14:]
    assert pid(9) not in str(findings)
    # Unit HR and inspectors do not reconcile.
    assert as_user(cast.hr_x).get("/api/reconcile/runs/").status_code == 403
    answer = as_user(cast.inspector).post(
        f"/api/reconcile/findings/{ghost['id']}/review/",
        {"verdict": "confirmed"},
        format="json",
    )
    assert answer.status_code == 403 and answer.json()["code"] == "ROLE_FORBIDDEN"
    answer = office.post(
        f"/api/reconcile/findings/{ghost['id']}/handover/", format="json"
    )
    assert answer.status_code == 409
    answer = office.post(
        f"/api/reconcile/findings/{ghost['id']}/review/",
        {"verdict": "explained"},
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "FIELD_REQUIRED"
    answer = office.post(
        f"/api/reconcile/findings/{ghost['id']}/review/",
        {"verdict": "confirmed"},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["verdict"] == "confirmed"
    answer = office.post(
        f"/api/reconcile/findings/{ghost['id']}/handover/", format="json"
    )
    assert answer.json()["handover"] == "pending"
    again = office.get(
        f"/api/reconcile/runs/{run.pk}/findings/?status=confirmed"
    ).json()
    assert [f["id"] for f in again["results"]] == [ghost["id"]]
    assert office.get("/api/reconcile/runs/999/").status_code == 404
    diff = office.get(f"/api/reconcile/compare/?a={run.pk}&b={run.pk}").json()
    assert (
        diff["persisting"]["count"] == run.findings_total and diff["new"]["count"] == 0
    )

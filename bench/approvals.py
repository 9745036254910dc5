"""审批 pages with BENCH_APPROVALS_N requests (default 10,000) in the database.

The requests are bulk-created rows consistent with the engine (a Request at
its step with current_role/due_on/serial, its submit Decision, its open
StepDue, pending JointReview rows at the joint step) — creating 10,000
through request_create + request_submit costs two audit events each and
minutes; the rows are what those services write. The kind is a bench kind
with the shape of the real ones (office review → joint review → leader
approval), registered here so the bench does not depend on which domain
kinds exist. 200 units in one city.

Timed through the Django test client (the whole view: session, context
processors with the top-bar counts, the template): the inbox page of each
reviewing role (office_admin, partner_reviewer, office_leader), and a final
approval (POST to the approve action, the effect a no-op). Baseline: one
plain SQL SELECT of the same inbox page rows (and their count).

Usage:  .venv/bin/python bench/approvals.py      (SQLite temp file)
Last line: `BENCH approvals ours=<median ms> base=<median ms> ratio=<r>`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("BENCH_APPROVALS_N", "10000"))
UNITS = int(os.environ.get("BENCH_APPROVALS_UNITS", "200"))
REPEAT = int(os.environ.get("BENCH_APPROVALS_REPEAT", "15"))
KIND = "bench_kind"
DOC = "示编〔2024〕1号"


def setup_django() -> str:
    tmp = tempfile.mkdtemp(prefix="bianzhi-bench-approvals-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite:///{tmp}/bench.sqlite3",
        BIANZHI_VAR_DIR=tmp,
        BIANZHI_KEY_DIR=tmp,
        BIANZHI_AUDIT_KEY=secrets.token_hex(32),
        BIANZHI_DEBUG="0",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]  # the test client's host
    return tmp


def register_kind():
    from bianzhi.approvals import engine
    from bianzhi.approvals.kinds import APPROVED, REJECTED, RETURNED, KindSpec, Step
    from bianzhi.core.roles import Role

    spec = KindSpec(
        kind=KIND,
        label="基准事项",
        serial_prefix="基准",
        submitter_roles=(Role.UNIT_HR,),
        steps=(
            Step(
                "office_review",
                "编办审核",
                Role.OFFICE_ADMIN,
                {"approve": "joint_review", "return": RETURNED, "reject": REJECTED},
            ),
            Step(
                "joint_review",
                "联审",
                Role.PARTNER_REVIEWER,
                {"opinion": "leader_approval"},
                days=2,
                joint=True,
                partners=("组织部",),
            ),
            Step(
                "leader_approval",
                "领导审批",
                Role.OFFICE_LEADER,
                {"approve": APPROVED, "return": RETURNED, "reject": REJECTED},
            ),
        ),
    )
    engine.register_kind(spec, replace=True)
    engine.register_numbers(KIND, lambda r: [("示例数", 1, "")])
    return spec


def build():
    import datetime as dt

    from bianzhi.accounts.services import role_assign, user_create
    from bianzhi.approvals.models import Decision, JointReview, Request, StepDue
    from bianzhi.core.actor import Actor
    from bianzhi.orgs import services as orgs

    system = Actor.system()
    today = dt.date.today()
    city = orgs.region_create_local(
        actor=system, code="990100", name="示例市", level="city"
    )
    units = [
        orgs.unit_establish(
            actor=system,
            region=city,
            name=f"示例市第{i}局",
            kind="gov_dept",
            rank="division",
            doc_no=DOC,
            effective_date=today,
            today=today,
        )
        for i in range(UNITS)
    ]
    users = {}
    for name, role, scope in (
        ("office", "office_admin", {"region": city}),
        ("leader", "office_leader", {"region": city}),
        ("org", "partner_reviewer", {"region": city, "department": "组织部"}),
        ("hr", "unit_hr", {"unit": units[0]}),
    ):
        users[name] = user_create(
            actor=system, username=name, password="pw-123456", full_name=name
        )
        role_assign(actor=system, user=users[name], role=role, **scope)
    steps = [
        ("office_review", "office_admin"),
        ("joint_review", "partner_reviewer"),
        ("leader_approval", "office_leader"),
    ]
    hr = users["hr"]
    rows = []
    for i in range(N):
        step, role = steps[i % 3]
        unit = units[i % UNITS]
        rows.append(
            Request(
                kind=KIND,
                title=f"{unit.name}事项{i}",
                region_code=city.code,
                unit_id=unit.pk,
                subject_type="unit",
                subject_id=str(unit.pk),
                payload={"说明": f"第{i}件"},
                status="submitted" if step == "office_review" else "in_review",
                current_step=step,
                current_role=role,
                due_on=today + dt.timedelta(days=(i % 20) - 5),
                round=1,
                serial=f"基准-{today.year}-{i + 1:06d}",
                created_by_id=hr.pk,
                created_by_name="hr",
                created_by_role="unit_hr",
                created_by_scope=f"unit:{units[0].pk}",
            )
        )
    Request.objects.bulk_create(rows, batch_size=1000)
    requests = list(Request.objects.order_by("id"))
    Decision.objects.bulk_create(
        [
            Decision(
                request=r,
                round=1,
                step="",
                action="submit",
                actor_id=hr.pk,
                actor_name="hr",
                actor_role="unit_hr",
                data={"payload": r.payload},
            )
            for r in requests
        ],
        batch_size=1000,
    )
    StepDue.objects.bulk_create(
        [
            StepDue(
                request=r,
                round=1,
                step=r.current_step,
                role=r.current_role,
                started_on=today,
                due_on=r.due_on,
            )
            for r in requests
        ],
        batch_size=1000,
    )
    stages = {
        s.request_id: s for s in StepDue.objects.filter(step="joint_review").iterator()
    }
    JointReview.objects.bulk_create(
        [
            JointReview(stage=s, request_id=rid, department="组织部")
            for rid, s in stages.items()
        ],
        batch_size=1000,
    )
    return users, [r.pk for r in requests if r.current_step == "leader_approval"]


def median_ms(fn, repeat: int = REPEAT) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    tmp = setup_django()
    try:
        run()
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(tmp, ignore_errors=True)


def run() -> None:
    from django.db import connection
    from django.test import Client

    register_kind()
    start = time.perf_counter()
    users, leader_ids = build()
    print(f"built {N} requests in {time.perf_counter() - start:.1f}s")
    results = {}
    for name in ("office", "org", "leader"):
        client = Client()
        client.force_login(users[name])

        def page(client=client):
            response = client.get("/approvals/")
            assert response.status_code == 200, response.status_code

        results[name] = median_ms(page)
        print(f"inbox {name}: {results[name]:.1f} ms")
    leader = Client()
    leader.force_login(users["leader"])
    queue = iter(leader_ids)

    def approve():
        rid = next(queue)
        response = leader.post(
            f"/approvals/{rid}/approve/", {"step": "leader_approval"}
        )
        assert response.status_code == 302, response.content[:500]

    approve_ms = median_ms(approve)
    print(f"final approval: {approve_ms:.1f} ms")

    sql = (
        "SELECT id, serial, kind, title, unit_id, status, current_step, "
        "submitted_at, due_on FROM approvals_request WHERE status IN (%s, %s) "
        "AND current_role = %s AND region_code IN (%s) ORDER BY due_on, id LIMIT 50"
    )
    count = (
        "SELECT COUNT(*) FROM approvals_request WHERE status IN (%s, %s) "
        "AND current_role = %s AND region_code IN (%s)"
    )

    def base():
        with connection.cursor() as cur:
            args = ["submitted", "in_review", "office_admin", "990100"]
            cur.execute(count, args)
            cur.fetchall()
            cur.execute(sql, args)
            cur.fetchall()

    base_ms = median_ms(base)
    ours = statistics.median(list(results.values()) + [approve_ms])
    worst = max(list(results.values()) + [approve_ms])
    print(f"worst page: {worst:.1f} ms (aim ≤ 150 ms)")
    print(
        f"BENCH approvals ours={ours:.1f} base={base_ms:.2f} ratio={ours / base_ms:.1f}"
    )


if __name__ == "__main__":
    main()

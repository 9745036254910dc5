"""A test-only kind on the real engine, with real users and scopes.

示例省 990000
├── 示例市 990100: 市人社局 (gov_dept) ── 市人才中心 (institution under 市人社局)
│   └── 示例区 990102: 区财政局
└── 另一市 990200: 另一市教育局

The kind "test_rename" renames a unit (an establishment-matter-like effect):
  supervisor_review (supervising_dept, only when payload["supervised"])
  → office_review (office_admin) → joint_review (partner_reviewer; the
  departments in payload["partners"]) → leader_approval (office_leader) → effect.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from bianzhi.accounts.access import actor_from, assignments
from bianzhi.accounts.approval_scope import approval_scope
from bianzhi.accounts.services import role_assign, user_create
from bianzhi.approvals import engine
from bianzhi.approvals.kinds import (
    APPROVED,
    REJECTED,
    RETURNED,
    KindSpec,
    Step,
)
from bianzhi.approvals.models import (
    Decision,
    JointReview,
    Request,
    SerialCounter,
    StepDue,
)
from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.core.roles import Role
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import Unit

SYSTEM = Actor.system()
DOC = "示编〔2024〕1号"
ON = dt.date(2024, 1, 1)
TODAY = dt.date(2026, 3, 2)  # a Monday outside any holiday
KIND = "test_rename"


def rename_effect(request: Request, actor: Actor, today: dt.date) -> list[dict]:
    unit = Unit.objects.get(pk=request.unit_id)
    new_name = request.payload["new_name"]
    if (
        Unit.objects.filter(region_id=unit.region_id, name=new_name)
        .exclude(pk=unit.pk)
        .exists()
    ):
        raise ApplicationError(ErrorCode.NAME_TAKEN, new_name, field="new_name")
    before = audit.snapshot(unit)
    unit.name = new_name
    unit.save(update_fields=["name"])
    return [audit.change(unit, before, audit.snapshot(unit))]


def require_new_name(request: Request, actor: Actor, today: dt.date) -> None:
    if not str(request.payload.get("new_name", "")).strip():
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "新名称", field="new_name")


SPEC = KindSpec(
    kind=KIND,
    label="更名（测试）",
    serial_prefix="测试",
    submitter_roles=(Role.UNIT_HR,),
    effect="unit_rename",
    steps=(
        Step(
            "supervisor_review",
            "主管部门审核",
            Role.SUPERVISING_DEPT,
            {"approve": "office_review", "return": RETURNED, "reject": REJECTED},
            when=lambda r: bool(r.payload.get("supervised")),
        ),
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
            partners=lambda r: r.payload.get("partners", []),
        ),
        Step(
            "leader_approval",
            "领导审批",
            Role.OFFICE_LEADER,
            {"approve": APPROVED, "return": RETURNED, "reject": REJECTED},
        ),
    ),
)


@pytest.fixture(autouse=True)
def test_kind():
    engine.register_kind(SPEC, replace=True)
    engine.register_effect(KIND, rename_effect)
    engine.register_validator(KIND, require_new_name)
    engine.register_numbers(
        KIND, lambda r: [("在编人数", 3, f"/units/{r.unit_id}/people/")]
    )
    engine.register_scope_resolver(approval_scope)
    yield SPEC
    engine.unregister(KIND)


def _unit(region, name, kind="gov_dept", parent=None, rank="division"):
    return orgs.unit_establish(
        actor=SYSTEM,
        region=region,
        name=name,
        kind=kind,
        rank=rank,
        doc_no=DOC,
        effective_date=ON,
        parent=parent,
        today=ON,
    )


_counter = iter(range(1, 100_000))


def _actor(role, scope, department: str = "", name: str = "") -> Actor:
    from bianzhi.orgs.models import Region

    user = user_create(
        actor=SYSTEM,
        username=f"u{next(_counter)}",
        password="pw-123456",
        full_name=name,
    )
    role_assign(
        actor=SYSTEM,
        user=user,
        role=role,
        region=scope if isinstance(scope, Region) else None,
        unit=None if isinstance(scope, Region) else scope,
        department=department,
    )
    (assignment,) = assignments(user)
    return actor_from(user, assignment)


@pytest.fixture
def world(db):
    p = orgs.region_create_local(
        actor=SYSTEM, code="990000", name="示例省", level="province"
    )
    city = orgs.region_create_local(
        actor=SYSTEM, code="990100", name="示例市", level="city", parent=p
    )
    district = orgs.region_create_local(
        actor=SYSTEM, code="990102", name="示例区", level="county", parent=city
    )
    other = orgs.region_create_local(
        actor=SYSTEM, code="990200", name="另一市", level="city", parent=p
    )
    bureau = _unit(city, "示例市人力资源和社会保障局")
    centre = _unit(
        city, "示例市人才服务中心", kind="institution", parent=bureau, rank="section"
    )
    district_unit = _unit(district, "示例区财政局", rank="section")
    other_unit = _unit(other, "另一市教育局")
    w = SimpleNamespace(
        city=city,
        district=district,
        other=other,
        bureau=bureau,
        centre=centre,
        district_unit=district_unit,
        other_unit=other_unit,
    )
    w.hr = _actor(Role.UNIT_HR, centre, name="中心人事")
    w.hr2 = _actor(Role.UNIT_HR, centre, name="中心人事二")
    w.hr_district = _actor(Role.UNIT_HR, district_unit, name="区财政人事")
    w.hr_other = _actor(Role.UNIT_HR, other_unit, name="另一市人事")
    w.supervisor = _actor(Role.SUPERVISING_DEPT, bureau, name="人社局主管")
    w.office = _actor(Role.OFFICE_ADMIN, city, name="编办审核员")
    w.office2 = _actor(Role.OFFICE_ADMIN, city, name="编办审核员二")
    w.office_other = _actor(Role.OFFICE_ADMIN, other, name="另一市编办")
    w.leader = _actor(Role.OFFICE_LEADER, city, name="编办主任")
    w.org = _actor(Role.PARTNER_REVIEWER, city, department="组织部", name="组织部")
    w.hrss = _actor(Role.PARTNER_REVIEWER, city, department="人社局", name="人社局")
    w.finance = _actor(Role.PARTNER_REVIEWER, city, department="财政局", name="财政局")
    return w


def draft(w, *, unit=None, actor=None, **payload) -> Request:
    from bianzhi.approvals import services

    unit = unit or w.centre
    payload.setdefault("new_name", "示例市人才发展中心")
    payload.setdefault("partners", ["组织部", "人社局"])
    return services.request_create(
        actor=actor or w.hr,
        kind=KIND,
        title=f"{unit.name}更名",
        region_code=unit.region_id,
        unit_id=unit.pk,
        subject_type="unit",
        subject_id=unit.pk,
        payload=payload,
    )


def state() -> dict:
    """Everything an approvals service may change."""
    return {
        "requests": list(Request.objects.order_by("pk").values()),
        "decisions": list(Decision.objects.order_by("pk").values()),
        "stages": list(StepDue.objects.order_by("pk").values()),
        "joint": list(JointReview.objects.order_by("pk").values()),
        "serials": list(SerialCounter.objects.order_by("pk").values()),
        "units": list(Unit.objects.order_by("pk").values_list("pk", "name")),
        "audit": AuditEvent.objects.count(),
    }


@contextmanager
def refused(code, message: str | None = None):
    """The call inside raises `code` (and the message part) and changes nothing."""
    before = state()
    with pytest.raises(ApplicationError) as info:
        yield info
    assert info.value.code == code, info.value.message
    if message is not None:
        assert message in info.value.message, info.value.message
    assert state() == before


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()

"""Acting out of turn, without the role or outside the scope: the exact
code, the reason, and nothing changed (rows and audit events)."""

from __future__ import annotations

import pytest

from bianzhi.approvals import services
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from .conftest import KIND, TODAY, draft, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_office(world):
    request = draft(world)
    return services.request_submit(actor=world.hr, request_id=request.pk, today=TODAY)


@pytest.fixture
def at_joint(world, at_office):
    return services.request_approve(
        actor=world.office, request_id=at_office.pk, step="office_review", today=TODAY
    )


def test_wrong_role_at_the_step_is_403_with_the_reason(world, at_office):
    w = world
    for actor in (w.leader, w.org, w.hr, w.supervisor):
        with refused(
            ErrorCode.ROLE_FORBIDDEN, "「编办审核」环节由编办业务科室人员办理"
        ) as info:
            services.request_approve(
                actor=actor, request_id=at_office.pk, step="office_review"
            )
        assert info.value.http_status == 403


def test_acting_on_another_step_is_409(world, at_office):
    w = world
    with refused(ErrorCode.STEP_OUT_OF_TURN, "当前不在此环节") as info:
        services.request_approve(
            actor=w.leader, request_id=at_office.pk, step="leader_approval"
        )
    assert info.value.http_status == 409
    # An action the step does not allow (an opinion at a review step).
    with refused(ErrorCode.STEP_OUT_OF_TURN):
        services.request_opinion(
            actor=w.office,
            request_id=at_office.pk,
            step="office_review",
            opinion="agree",
            department="组织部",
        )
    # Return and reject are not actions of a joint review.
    services.request_approve(
        actor=w.office, request_id=at_office.pk, step="office_review"
    )
    with refused(ErrorCode.STEP_OUT_OF_TURN):
        services.request_return(
            actor=w.org, request_id=at_office.pk, step="joint_review", comment="x"
        )


def test_a_step_already_handled_is_409_handled_by_someone_else(world, at_office):
    w = world
    services.request_approve(
        actor=w.office, request_id=at_office.pk, step="office_review"
    )
    with refused(ErrorCode.STEP_OUT_OF_TURN, "该环节已由他人处理"):
        services.request_approve(
            actor=w.office2, request_id=at_office.pk, step="office_review"
        )


def test_out_of_scope_is_404(world, at_office):
    w = world
    with refused(ErrorCode.OUT_OF_SCOPE) as info:
        services.request_approve(
            actor=w.office_other, request_id=at_office.pk, step="office_review"
        )
    assert info.value.http_status == 404
    with refused(ErrorCode.OUT_OF_SCOPE):
        services.request_withdraw(actor=w.hr_other, request_id=at_office.pk)
    with refused(ErrorCode.OUT_OF_SCOPE):
        services.request_approve(
            actor=w.office, request_id=999999, step="office_review"
        )
    with refused(ErrorCode.OUT_OF_SCOPE):
        services.request_approve(actor=w.office, request_id="abc", step="office_review")


def test_create_checks_role_and_scope(world):
    w = world
    unit = w.centre
    args = dict(
        kind=KIND,
        title="更名",
        region_code=unit.region_id,
        unit_id=unit.pk,
        payload={"new_name": "x"},
    )
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.request_create(actor=w.office, **args)
    with refused(ErrorCode.OUT_OF_SCOPE):
        services.request_create(actor=w.hr_other, **args)
    with refused(ErrorCode.VALUE_INVALID):
        services.request_create(actor=w.hr, **{**args, "kind": "no_such_kind"})
    with refused(ErrorCode.FIELD_REQUIRED):
        services.request_create(actor=w.hr, **{**args, "title": " "})
    with refused(ErrorCode.VALUE_INVALID):
        services.request_create(actor=w.hr, **{**args, "payload": ["not", "a", "dict"]})


def test_partner_speaks_only_for_its_department_and_only_once(world, at_joint):
    w = world
    request = at_joint
    with refused(ErrorCode.ROLE_FORBIDDEN, "您不代表人社局"):
        services.request_opinion(
            actor=w.org,
            request_id=request.pk,
            step="joint_review",
            opinion="agree",
            department="人社局",
        )
    # 财政局 is a partner reviewer but not asked in this review.
    with refused(ErrorCode.ROLE_FORBIDDEN, "财政局不在本次联审范围"):
        services.request_opinion(
            actor=w.finance, request_id=request.pk, step="joint_review", opinion="agree"
        )
    with refused(ErrorCode.VALUE_INVALID):
        services.request_opinion(
            actor=w.org, request_id=request.pk, step="joint_review", opinion="maybe"
        )
    with refused(ErrorCode.FIELD_REQUIRED):
        services.request_opinion(
            actor=w.org, request_id=request.pk, step="joint_review", opinion="disagree"
        )
    services.request_opinion(
        actor=w.org,
        request_id=request.pk,
        step="joint_review",
        opinion="disagree",
        comment="职能交叉，建议暂缓",
    )
    with refused(ErrorCode.STEP_OUT_OF_TURN, "组织部已提出意见"):
        services.request_opinion(
            actor=w.org, request_id=request.pk, step="joint_review", opinion="agree"
        )
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.request_approve(
            actor=w.office, request_id=request.pk, step="joint_review"
        )


def test_the_system_actor_is_not_a_reviewer(world, at_office):
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.request_approve(
            actor=Actor.system(), request_id=at_office.pk, step="office_review"
        )


def test_an_actor_whose_assignment_was_revoked_covers_nothing(world, at_office):
    ghost = Actor(
        user_id=world.office.user_id,
        name="x",
        role="office_leader",
        scope="region:990100",
    )
    with refused(ErrorCode.OUT_OF_SCOPE):
        services.request_approve(
            actor=ghost, request_id=at_office.pk, step="office_review"
        )


def test_messages_are_chinese_with_the_catalogue_prefix(world, at_office):
    with pytest.raises(ApplicationError) as info:
        services.request_approve(
            actor=world.leader, request_id=at_office.pk, step="office_review"
        )
    assert info.value.message.startswith("当前角色无权执行此操作：")

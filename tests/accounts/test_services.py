"""Users and role assignments (三员分立): who may grant what, over which scope."""

import pytest

from bianzhi.accounts.models import RoleAssignment
from bianzhi.accounts.services import (
    role_assign,
    role_revoke,
    user_create,
    user_set_active,
)
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SYS_ADMIN = Actor(user_id=91, name="系统管理员", role="sys_admin")
SEC_ADMIN = Actor(user_id=92, name="安全管理员", role="sec_admin")
AUDIT_ADMIN = Actor(user_id=93, name="审计管理员", role="audit_admin")
OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")


def refused(code, func, **kwargs):
    with pytest.raises(ApplicationError) as info:
        func(**kwargs)
    assert info.value.code == code
    return info.value


def last_event():
    return AuditEvent.objects.order_by("-seq").first()


def test_sys_admin_creates_users_and_the_password_stays_out_of_the_audit():
    user = user_create(
        actor=SYS_ADMIN, username="lisi", password="s3cret-pw", full_name="李四"
    )
    assert user.check_password("s3cret-pw")
    event = last_event()
    assert (event.operation, event.role) == ("user_create", "sys_admin")
    assert "s3cret-pw" not in str(event.records)
    assert event.records[0]["after"]["username"] == "lisi"


@pytest.mark.parametrize("actor", [SEC_ADMIN, AUDIT_ADMIN, OFFICE])
def test_only_sys_admin_creates_users(actor):
    refused(
        ErrorCode.ROLE_FORBIDDEN, user_create, actor=actor, username="x", password="p"
    )
    assert not AuditEvent.objects.exists()


def test_duplicate_username_refused_with_a_code():
    user_create(actor=SYS_ADMIN, username="lisi", password="p")
    error = refused(
        ErrorCode.VALUE_INVALID,
        user_create,
        actor=SYS_ADMIN,
        username="lisi",
        password="p",
    )
    assert error.field == "username"


def test_invalid_username_refused_with_a_code():
    refused(
        ErrorCode.VALUE_INVALID, user_create, actor=SYS_ADMIN, username="", password="p"
    )
    refused(
        ErrorCode.VALUE_INVALID,
        user_create,
        actor=SYS_ADMIN,
        username="有 空格/斜杠",
        password="p",
    )


def test_user_set_active_is_sys_admin_only_and_audited():
    user = user_create(actor=SYS_ADMIN, username="lisi", password="p")
    refused(
        ErrorCode.ROLE_FORBIDDEN,
        user_set_active,
        actor=SEC_ADMIN,
        user=user,
        active=False,
    )
    user_set_active(actor=SYS_ADMIN, user=user, active=False)
    user.refresh_from_db()
    assert not user.is_active
    change = last_event().records[0]
    assert (change["before"]["is_active"], change["after"]["is_active"]) == (
        True,
        False,
    )


def test_sec_admin_assigns_roles(province):
    user = user_create(actor=SYS_ADMIN, username="lisi", password="p")
    assignment = role_assign(
        actor=SEC_ADMIN, user=user, role="office_admin", region=province.city
    )
    assert assignment.scope_key == "region:990100"
    event = last_event()
    assert (event.operation, event.role) == ("role_assign", "sec_admin")
    assert event.records[0]["after"]["role"] == "office_admin"


@pytest.mark.parametrize("actor", [SYS_ADMIN, AUDIT_ADMIN, OFFICE])
def test_only_sec_admin_assigns_roles(province, actor):
    user = user_create(actor=SYS_ADMIN, username="lisi", password="p")
    refused(
        ErrorCode.ROLE_FORBIDDEN,
        role_assign,
        actor=actor,
        user=user,
        role="office_admin",
        region=province.city,
    )
    assert not RoleAssignment.objects.exists()


@pytest.mark.parametrize(
    "role, scope",
    [
        ("sys_admin", "city"),  # administrators have no business scope
        ("audit_admin", "bureau"),
        ("unit_hr", "city"),  # unit HR sits in one unit
        ("supervising_dept", "city"),
        ("unit_hr", None),
        ("office_admin", "bureau"),  # the office manages a region
        ("office_admin", None),
        ("inspector", None),
        ("no_such_role", "city"),
    ],
)
def test_role_scope_combinations_refused(province, role, scope):
    user = user_create(actor=SYS_ADMIN, username="lisi", password="p")
    target = getattr(province, scope) if scope else None
    is_unit = scope == "bureau"
    refused(
        ErrorCode.VALUE_INVALID,
        role_assign,
        actor=SEC_ADMIN,
        user=user,
        role=role,
        region=None if is_unit else target,
        unit=target if is_unit else None,
    )


def test_duplicate_assignment_refused_and_revoked_one_regranted(province):
    user = user_create(actor=SYS_ADMIN, username="lisi", password="p")
    first = role_assign(
        actor=SEC_ADMIN, user=user, role="unit_hr", unit=province.bureau
    )
    refused(
        ErrorCode.VALUE_INVALID,
        role_assign,
        actor=SEC_ADMIN,
        user=user,
        role="unit_hr",
        unit=province.bureau,
    )
    refused(ErrorCode.ROLE_FORBIDDEN, role_revoke, actor=SYS_ADMIN, assignment=first)
    role_revoke(actor=SEC_ADMIN, assignment=first)
    first.refresh_from_db()
    assert not first.active
    again = role_assign(
        actor=SEC_ADMIN, user=user, role="unit_hr", unit=province.bureau
    )
    assert again.pk == first.pk and again.active

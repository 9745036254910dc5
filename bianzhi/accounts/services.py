"""Writes of accounts: users and role assignments (三员分立).

Only the system administrator creates and (de)activates users; only the
security administrator grants and revokes roles. Passwords never enter the
audit trail.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import rules
from .models import RoleAssignment


def _clean(instance) -> None:
    """full_clean, with Django's ValidationError turned into our refusal."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        fields = getattr(exc, "message_dict", {})
        field = next(iter(fields), None)
        detail = "；".join(m for messages in fields.values() for m in messages)
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            detail or "；".join(exc.messages),
            field=None if field == "__all__" else field,
        ) from None


def _user_state(user) -> dict:
    return {
        "username": user.get_username(),
        "full_name": user.first_name,
        "is_active": user.is_active,
    }


def user_create(*, actor: Actor, username: str, password: str, full_name: str = ""):
    if not rules.can_manage_users(actor.role, is_system=actor.is_system):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅系统管理员可创建用户")
    User = get_user_model()
    username = (username or "").strip()
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"用户名「{username}」已存在", field="username"
            )
        user = User(username=username, first_name=(full_name or "").strip())
        user.set_password(password)
        _clean(user)
        user.save()
        audit.record(
            actor=actor,
            operation="user_create",
            records=[audit.change(user, None, _user_state(user))],
            summary=f"创建用户 {username}",
        )
    return user


def user_set_active(*, actor: Actor, user, active: bool):
    """Disable (or re-enable) a login; its history and assignments stay."""
    if not rules.can_manage_users(actor.role, is_system=actor.is_system):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅系统管理员可停用或启用用户")
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = _user_state(user)
        user.is_active = bool(active)
        user.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            operation="user_set_active",
            records=[audit.change(user, before, _user_state(user))],
            summary=f"{'启用' if active else '停用'}用户 {user.get_username()}",
        )
    return user


def role_assign(
    *, actor: Actor, user, role: str, region=None, unit=None, department: str = ""
):
    if not rules.can_manage_roles(actor.role, is_system=actor.is_system):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅安全管理员可分配角色")
    rules.check_assignment_scope(
        role=role, has_region=region is not None, has_unit=unit is not None
    )
    with transaction.atomic():
        existing = RoleAssignment.objects.filter(
            user=user, role=role, region=region, unit=unit
        ).first()
        if existing is not None and existing.active:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "该用户已有此角色和范围", field="role"
            )
        if existing is not None:  # re-grant a revoked assignment
            assignment = existing
            before = audit.snapshot(assignment)
            assignment.active, assignment.department = True, department
        else:
            assignment = RoleAssignment(
                user=user, role=role, region=region, unit=unit, department=department
            )
            before = None
        _clean(assignment)
        assignment.save()
        audit.record(
            actor=actor,
            operation="role_assign",
            records=[audit.change(assignment, before, audit.snapshot(assignment))],
            summary=f"{user.get_username()}：{assignment}",
        )
    return assignment


def role_revoke(*, actor: Actor, assignment: RoleAssignment) -> RoleAssignment:
    """Deactivate an assignment (kept, so that old audit events still resolve)."""
    if not rules.can_manage_roles(actor.role, is_system=actor.is_system):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅安全管理员可撤销角色")
    with transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        before = audit.snapshot(assignment)
        assignment.active = False
        assignment.save(update_fields=["active"])
        audit.record(
            actor=actor,
            operation="role_revoke",
            records=[audit.change(assignment, before, audit.snapshot(assignment))],
            summary=f"撤销 {assignment.user.get_username()}：{assignment}",
        )
    return assignment

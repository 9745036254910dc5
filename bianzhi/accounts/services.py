"""Writes of accounts: users and role assignments (三员分立)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from .models import RoleAssignment


def user_create(*, actor: Actor, username: str, password: str, full_name: str = ""):
    if not (actor.is_system or actor.role == "sys_admin"):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    User = get_user_model()
    with transaction.atomic():
        user = User(username=username, first_name=full_name)
        user.set_password(password)
        user.full_clean()
        user.save()
        audit.record(
            actor=actor,
            operation="user_create",
            records=[
                audit.change(user, None, {"username": username, "full_name": full_name})
            ],
            summary=f"创建用户 {username}",
        )
    return user


def role_assign(
    *, actor: Actor, user, role: str, region=None, unit=None, department: str = ""
):
    if not (actor.is_system or actor.role == "sec_admin"):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    with transaction.atomic():
        assignment = RoleAssignment(
            user=user, role=role, region=region, unit=unit, department=department
        )
        assignment.full_clean()
        assignment.save()
        audit.record(
            actor=actor,
            operation="role_assign",
            records=[audit.change(assignment, None, audit.snapshot(assignment))],
            summary=f"{user.username}：{assignment}",
        )
    return assignment

"""The one place where scope and role are applied (DOMAIN §1).

Every page, export and API call fetches scoped objects through these
functions: an object outside every scope of the user answers 404
(OUT_OF_SCOPE), one inside a scope whose role may not do the action answers
403 (ROLE_FORBIDDEN). The returned Actor names the assignment that allowed it,
for the audit trail.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission, Role, role_allows
from bianzhi.orgs.models import Region, Unit
from bianzhi.orgs.selectors import region_subtree

from .models import RoleAssignment

_CACHE_ATTR = "_bianzhi_assignments"


def assignments(user) -> list[RoleAssignment]:
    # A disabled account keeps its sessions and tokens until they expire; it
    # must still see nothing.
    if not user or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user, active=True).select_related(
                "region", "unit"
            )
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def _unit_filter(assignment: RoleAssignment) -> Q | None:
    if assignment.region_id:
        return Q(region_id__in=region_subtree(assignment.region_id))
    if assignment.unit_id:
        if assignment.role == Role.SUPERVISING_DEPT:
            return Q(pk=assignment.unit_id) | Q(parent_id=assignment.unit_id)
        return Q(pk=assignment.unit_id)
    return None  # the three administrators see no business data


def _units_q(user, permission: str | None) -> Q | None:
    combined = None
    for assignment in assignments(user):
        if permission and not role_allows(assignment.role, permission):
            continue
        condition = _unit_filter(assignment)
        if condition is not None:
            combined = condition if combined is None else combined | condition
    return combined


def units_in_scope(user, permission: str = Permission.VIEW_ORGS) -> QuerySet[Unit]:
    condition = _units_q(user, permission)
    if condition is None:
        return Unit.objects.none()
    return Unit.objects.filter(condition)


def region_codes_in_scope(user, permission: str = Permission.VIEW_ORGS) -> set[str]:
    """Regions whose whole ledger the user may see (region-scoped assignments)."""
    codes: set[str] = set()
    for assignment in assignments(user):
        if assignment.region_id and role_allows(assignment.role, permission):
            codes |= region_subtree(assignment.region_id)
    return codes


def actor_from(user, assignment: RoleAssignment) -> Actor:
    return Actor(
        user_id=user.pk,
        name=user.get_full_name() or user.get_username(),
        role=assignment.role,
        scope=assignment.scope_key,
    )


def _pick(user, unit: Unit | None, region_code: str | None, permission: str):
    """(covering assignment allowing `permission`, whether any assignment covers)."""
    covering = False
    for assignment in assignments(user):
        condition = _unit_filter(assignment)
        if condition is None:
            continue
        if unit is not None:
            covers = Unit.objects.filter(condition, pk=unit.pk).exists()
        else:
            covers = bool(assignment.region_id) and region_code in region_subtree(
                assignment.region_id
            )
        if not covers:
            continue
        covering = True
        if role_allows(assignment.role, permission):
            return assignment, True
    return None, covering


def access_unit(
    user, unit_id, permission: str = Permission.VIEW_ORGS
) -> tuple[Unit, Actor]:
    """Fetch a unit the user may act on, with the Actor to record."""
    try:
        unit = Unit.objects.select_related("region", "parent").get(pk=int(unit_id))
    except (Unit.DoesNotExist, TypeError, ValueError):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE) from None
    assignment, covering = _pick(user, unit, None, permission)
    if assignment is None:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN if covering else ErrorCode.OUT_OF_SCOPE
        )
    return unit, actor_from(user, assignment)


def access_region(
    user, code, permission: str = Permission.VIEW_ORGS
) -> tuple[Region, Actor]:
    """Fetch a region whose ledger the user may act on (region-scoped roles only)."""
    region = Region.objects.filter(pk=str(code)).first()
    if region is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    assignment, covering = _pick(user, None, region.code, permission)
    if assignment is None:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN if covering else ErrorCode.OUT_OF_SCOPE
        )
    return region, actor_from(user, assignment)


def require(user, permission: str) -> Actor:
    """An Actor for a scope-free action (e.g. the audit log), else 403."""
    for assignment in assignments(user):
        if role_allows(assignment.role, permission):
            return actor_from(user, assignment)
    raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)


def has_permission(user, permission: str) -> bool:
    return any(role_allows(a.role, permission) for a in assignments(user))

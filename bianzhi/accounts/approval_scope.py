"""What an actor covers in the approvals engine (approvals.engine.Scope).

The engine sits below the domains and cannot read regions, units or role
assignments; accounts registers this resolver at startup
(AccountsConfig.ready: `engine.register_scope_resolver(approval_scope)`).
Same rules as access.py: a region scope covers the region and its
sub-regions, a unit scope that unit (supervising_dept: also the
institutions it supervises); a partner reviewer speaks for the departments
of its matching active assignments.
"""

from __future__ import annotations

from bianzhi.approvals.engine import Scope
from bianzhi.core.actor import Actor
from bianzhi.core.roles import Role
from bianzhi.orgs.models import Unit

from .access import region_subtree
from .models import RoleAssignment


def approval_scope(actor: Actor) -> Scope:
    if actor.is_system:
        return Scope(everything=True)
    kind, _, value = actor.scope.partition(":")
    assignments = RoleAssignment.objects.filter(
        user_id=actor.user_id, role=actor.role, active=True
    )
    if kind == "region" and value:
        regions = frozenset(region_subtree(value))
        units: frozenset[int] = frozenset()
        assignments = assignments.filter(region_id=value)
    elif kind == "unit" and value.isdigit():
        unit_id = int(value)
        ids = {unit_id}
        if actor.role == Role.SUPERVISING_DEPT:
            ids |= set(
                Unit.objects.filter(parent_id=unit_id).values_list("pk", flat=True)
            )
        regions, units = frozenset(), frozenset(ids)
        assignments = assignments.filter(unit_id=unit_id)
    else:
        return Scope()
    if actor.user_id is None or not assignments.exists():
        # An actor without the assignment it claims (revoked since) covers nothing.
        return Scope()
    departments = frozenset(
        d for d in assignments.values_list("department", flat=True) if d
    )
    return Scope(region_codes=regions, unit_ids=units, departments=departments)

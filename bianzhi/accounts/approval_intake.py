"""Who submits a kind's form (shared by the 新建申请 pages and the API's create
endpoint): the user's assignments whose role may submit the kind, the units
their engine scopes cover, and the one to act with for a chosen unit."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bianzhi.approvals import engine, intake
from bianzhi.core.actor import Actor
from bianzhi.orgs.models import Unit

from .approval_actors import actors


def submittable_kinds(user) -> list[tuple[str, str, str]]:
    """(kind, label, intro) of the kinds with a form the user may submit."""
    roles = {a.role for a in actors(user)}
    out = []
    for kind in intake.kinds_with_intake():
        if not engine.is_registered(kind):
            continue
        spec = engine.kind_spec(kind)
        if roles & set(spec.submitter_roles):
            out.append((kind, spec.label, intake.intake_for(kind).intro))
    return out


def submitter_actors(user, kind: str) -> list[Actor]:
    spec = engine.kind_spec(kind)
    return [a for a in actors(user) if a.role in spec.submitter_roles]


def units_for(submitters: list[Actor]) -> QuerySet[Unit]:
    """Active units the submitters' engine scopes cover (what request_create allows)."""
    condition = Q(pk__in=[])
    for actor in submitters:
        scope = engine.scope_of(actor)
        if scope.everything:
            return Unit.objects.filter(status=Unit.Status.ACTIVE).order_by("name")
        if scope.unit_ids:
            condition |= Q(pk__in=sorted(scope.unit_ids))
        if scope.region_codes:
            condition |= Q(region_id__in=sorted(scope.region_codes))
    return Unit.objects.filter(condition, status=Unit.Status.ACTIVE).order_by("name")


def actor_for(submitters: list[Actor], values: dict, spec: intake.Intake) -> Actor:
    """The assignment whose scope covers the chosen unit (else the first: the
    build then refuses the unit as out of scope)."""
    unit_field = next((f.name for f in spec.fields if f.type == "unit"), "")
    raw = str(values.get(unit_field) or "")
    if raw.isdigit():
        unit = Unit.objects.filter(pk=int(raw)).only("pk", "region_id").first()
        if unit is not None:
            for actor in submitters:
                if engine.scope_of(actor).covers(
                    region_code=unit.region_id, unit_id=unit.pk
                ):
                    return actor
    return submitters[0]

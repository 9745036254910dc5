"""Warning rules on the organisation register: missing agency caps and
missing mandates (三定规定)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from bianzhi.orgs.models import AgencyCap, Mandate, Region, Unit, UnitKind

from .warning_rules import Context, Evidence, Hit, Rule, register

# Party and government organs and the other 机关 have a 三定规定; institutions
# (their own 章程/方案) and coordination bodies (no staff) do not.
MANDATE_EXEMPT_KINDS = (UnitKind.INSTITUTION, UnitKind.COORDINATION)
CAP_KINDS = (UnitKind.PARTY_DEPT, UnitKind.GOV_DEPT)


def _alive(ctx: Context) -> Q:
    return Q(status=Unit.Status.ACTIVE, established_on__lte=ctx.today)


def find_missing_cap(ctx: Context) -> list[Hit]:
    """A region with party or government organs but no agency cap in force."""
    if not ctx.scope.regional:
        return []
    organs = Unit.objects.filter(
        _alive(ctx), region_id=OuterRef("code"), kind__in=CAP_KINDS
    )
    caps = AgencyCap.objects.filter(
        region_id=OuterRef("code"), effective_date__lte=ctx.today
    )
    rows = (
        Region.objects.filter(ctx.scope.regions_q("code"))
        .filter(Exists(organs))
        .exclude(Exists(caps))
        .values_list("code", "name")
        .order_by("code")
    )
    return [
        Hit(
            rule=ctx.rule.code,
            region_code=code,
            unit_name=name,
            subject="设有党政机构，但未录入生效的机构限额",
            evidence=[Evidence("region", code, "区划（机构限额）")],
        )
        for code, name in rows
    ]


def find_missing_mandate(ctx: Context) -> list[Hit]:
    mandates = Mandate.objects.filter(
        unit_id=OuterRef("pk"), effective_date__lte=ctx.today
    )
    rows = (
        Unit.objects.filter(_alive(ctx), ctx.scope.units_q())
        .exclude(kind__in=MANDATE_EXEMPT_KINDS)
        .exclude(Exists(mandates))
        .values("id", "name", "region_id", "kind")
        .order_by("region_id", "id")
    )
    kinds = dict(UnitKind.choices)
    return [
        Hit(
            rule=ctx.rule.code,
            region_code=row["region_id"],
            unit_id=row["id"],
            unit_name=row["name"],
            subject=f"{kinds.get(row['kind'], row['kind'])}未录入生效的三定规定",
            evidence=[Evidence("mandate", str(row["id"]), "三定规定")],
        )
        for row in rows
    ]


register(
    Rule(
        code="missing_cap",
        name="机构限额缺失预警",
        text="区划内设有党委、政府部门，但没有生效的机构限额",
        find=find_missing_cap,
        order=90,
    )
)
register(
    Rule(
        code="missing_mandate",
        name="三定规定缺失预警",
        text="机关单位（事业单位、议事协调机构除外）没有生效的三定规定",
        find=find_missing_mandate,
        order=95,
    )
)

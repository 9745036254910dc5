"""Import of units and quotas: the writes, inside the import's transaction.

Every write is an orgs / quota service call (one audit event each), each in
its own savepoint so one refused unit or row does not stop the others from
being checked; the caller keeps or rolls back the whole.

Order and decisions (EXCHANGE.md §1, DOMAIN §3.1–3.3):
1. regions: a national code not yet in the database is created with its
   official name (orgs.region_ensure, with its missing parents);
2. units, parents before children (a parent may come later in the file; it
   is resolved among the file's units of the same region, else among the
   region's existing units). A unit that already exists (same credit code, or
   same region and name) is not established twice: DUPLICATE_IMPORT. The
   establishment cites 「初始化导入」 (the file has no establishment record)
   and is dated on the earliest 批准日期 of the unit's rows or of its
   children's establishment (a parent exists before its children; a grant
   never precedes its unit). No 批准日期: the import date;
3. control totals per region × category × funding: where the region has no
   control total for it yet (no external account), one increase_total of
   what the file grants, citing 「初始化导入」, dated on the earliest grant;
   where it has one, the grants come from the reserve and a row needing more
   than the reserve still holds is refused (QUOTA_NEGATIVE);
4. one grant per row (批准文号, else 「初始化导入」 with the import date);
5. leader posts of the unit (正职职数 / 副职职数 at 职数级别, else at the
   level of the unit's rank), citing the unit's first 批准文号.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction

from bianzhi.core.codes import INITIAL_LOAD_DOC_NO
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import Region, Unit
from bianzhi.quota import services as quota
from bianzhi.quota.leader_posts import leader_posts_set
from bianzhi.quota.models import HolderKind, QuotaAccount
from bianzhi.quota.rules import FUNDING_LABELS

from .import_common import Context, unit_key

REASON = "初始化导入"
_ESTABLISH_FIELDS = {
    "name": "unit_name",
    "short_name": "short_name",
    "uscc": "uscc",
    "parent": "parent_name",
    "kind": "unit_kind",
    "rank": "rank",
    "institution_class": "institution_class",
    "civil_service_managed": "civil_service_managed",
    "in_cap": "in_cap",
    "region": "region_code",
    "code": "region_code",
    "effective_date": "approved_on",
    "doc_no": "doc_no",
}
_GRANT_FIELDS = {
    "category": "category",
    "funding": "funding",
    "amount": "approved",
    "doc_no": "doc_no",
    "effective_date": "approved_on",
}


class _Apply:
    def __init__(self, ctx: Context, plan) -> None:
        self.ctx, self.plan = ctx, plan
        self.failed: set[int] = set()  # id() of groups refused
        self.units: dict[int, Unit] = {}  # id(group) -> unit established
        self.accepted = 0

    # -- errors -----------------------------------------------------------------------

    def _raw(self, line: int, key: str | None):
        return self.plan.raw.get(line, {}).get(key) if key else None

    def row_error(self, line: int, key: str | None, exc: Exception) -> None:
        self.ctx.fail(line, key, self._raw(line, key), exc)

    def group_error(self, group, key: str | None, exc: Exception) -> None:
        """The unit is refused: its first row carries the reason, the other
        rows point to it."""
        self.failed.add(id(group))
        self.row_error(group.line, key, exc)
        code = (
            exc.code if isinstance(exc, ApplicationError) else ErrorCode.VALUE_INVALID
        )
        for line in group.lines:
            if line != group.line:
                self.ctx.add(
                    line,
                    "unit_name",
                    self._raw(line, "unit_name"),
                    f"单位「{group.name}」未能设立（见第{group.line}行）",
                    code,
                )

    # -- 1. regions --------------------------------------------------------------------

    def regions(self) -> None:
        known = set(Region.objects.values_list("code", flat=True))
        by_region = defaultdict(list)
        for group in self.plan.groups:
            by_region[group.region].append(group)
        for code, groups in by_region.items():
            if code in known:
                continue
            try:
                orgs.region_ensure(actor=self.ctx.actor, code=code)
            except ApplicationError as exc:
                for group in groups:
                    self.group_error(group, "region_code", exc)

    # -- 2. units ----------------------------------------------------------------------

    def order(self) -> list:
        """Groups parents first; unresolved parents and cycles are refused."""
        in_file = {g.key: g for g in self.plan.groups if id(g) not in self.failed}
        existing: dict[tuple[str, str], Unit] = {}
        duplicates: dict[tuple[str, str], Unit] = {}
        regions = {g.region for g in in_file.values()}
        codes = {g.values["uscc"] for g in in_file.values() if g.values["uscc"]}
        for unit in Unit.objects.filter(
            region_id__in=regions, status=Unit.Status.ACTIVE
        ):
            existing[(unit.region_id, unit_key(unit.name))] = unit
        for unit in Unit.objects.filter(uscc__in=codes):
            duplicates[("uscc", unit.uscc)] = unit
        self.parents: dict[int, object] = {}  # id(group) -> group | Unit | None
        for group in list(in_file.values()):
            code = group.values["uscc"]
            same = existing.get(group.key) or (code and duplicates.get(("uscc", code)))
            if same:
                where = self._region_name(same.region_id)
                self.group_error(
                    group,
                    "unit_name",
                    ApplicationError(
                        ErrorCode.DUPLICATE_IMPORT,
                        f"单位「{same.name}」（{where}）已存在，不重复设立",
                    ),
                )
                continue
            parent = group.values["parent_name"]
            if not parent:
                self.parents[id(group)] = None
                continue
            key = (group.region, unit_key(parent))
            target = in_file.get(key) or existing.get(key)
            if target is None or target is group:
                problem = (
                    "上级单位不能是本单位"
                    if target is group
                    else f"上级单位「{parent}」不存在（须为同一行政区划的单位）"
                )
                self.group_error(
                    group,
                    "parent_name",
                    ApplicationError(ErrorCode.UNIT_UNKNOWN, problem),
                )
                continue
            self.parents[id(group)] = target
        return self._topological(
            [g for g in in_file.values() if id(g) not in self.failed]
        )

    def _topological(self, groups: list) -> list:
        ordered, placed, visiting = [], set(), set()

        def visit(group) -> bool:
            if id(group) in placed:
                return True
            if id(group) in self.failed:
                return False
            if id(group) in visiting:
                self.group_error(
                    group,
                    "parent_name",
                    ApplicationError(ErrorCode.VALUE_INVALID, "上级单位关系形成循环"),
                )
                return False
            visiting.add(id(group))
            parent = self.parents.get(id(group))
            ok = True
            if parent is not None and not isinstance(parent, Unit):
                ok = visit(parent)
                if not ok and id(group) not in self.failed:
                    self.group_error(
                        group,
                        "parent_name",
                        ApplicationError(
                            ErrorCode.UNIT_UNKNOWN,
                            f"上级单位「{parent.name}」未能设立（见第{parent.line}行）",
                        ),
                    )
            visiting.discard(id(group))
            if ok and id(group) not in self.failed:
                placed.add(id(group))
                ordered.append(group)
                return True
            return False

        for group in groups:
            visit(group)
        return ordered

    def dates(self, ordered: list) -> dict[int, dt.date]:
        """Establishment date: the earliest of the unit's rows and of its
        children's establishment (children first, i.e. reverse order)."""
        when = {id(g): min(r.date for r in g.rows) for g in ordered}
        for group in reversed(ordered):
            parent = self.parents.get(id(group))
            if parent is not None and not isinstance(parent, Unit):
                when[id(parent)] = min(when[id(parent)], when[id(group)])
        return when

    def establish(self, ordered: list) -> None:
        when = self.dates(ordered)
        total = len(ordered)
        for done, group in enumerate(ordered, start=1):
            parent = self.parents.get(id(group))
            if parent is not None and not isinstance(parent, Unit):
                if id(parent) in self.failed:
                    self.group_error(
                        group,
                        "parent_name",
                        ApplicationError(
                            ErrorCode.UNIT_UNKNOWN,
                            f"上级单位「{parent.name}」未能设立（见第{parent.line}行）",
                        ),
                    )
                    continue
                parent = self.units[id(parent)]
            v = group.values
            try:
                unit = orgs.unit_establish(
                    actor=self.ctx.actor,
                    region=group.region,
                    name=v["unit_name"],
                    kind=v["unit_kind"],
                    rank=v["rank"] or "unranked",
                    doc_no=INITIAL_LOAD_DOC_NO,
                    effective_date=when[id(group)],
                    short_name=v["short_name"] or "",
                    uscc=v["uscc"] or "",
                    parent=parent.pk if parent is not None else None,
                    institution_class=v["institution_class"] or "",
                    civil_service_managed=bool(v["civil_service_managed"]),
                    in_cap=bool(v["in_cap"]),
                    reason=REASON,
                    today=self.ctx.today,
                )
            except ApplicationError as exc:
                self.group_error(
                    group, _ESTABLISH_FIELDS.get(exc.field or "", "unit_name"), exc
                )
                continue
            self.units[id(group)] = unit
            self.ctx.applied(done, total)

    # -- 3. control totals -------------------------------------------------------------

    def totals(self, ordered: list) -> None:
        needs: dict[tuple, list] = defaultdict(list)
        for group in ordered:
            unit = self.units.get(id(group))
            if unit is None:
                continue
            for row in group.rows:
                if row.category is None or not row.approved:
                    continue
                cat = row.category
                if (
                    unit.kind == "coordination"
                    or unit.kind not in cat.allowed_unit_kinds
                ):
                    self.row_error(
                        row.line,
                        "category",
                        ApplicationError(
                            ErrorCode.CATEGORY_NOT_ALLOWED,
                            f"{unit.get_kind_display()}「{unit.name}」不得核定{cat.name}",
                        ),
                    )
                    continue
                needs[(group.region, cat.pk, row.funding)].append((group, row))
        self.grants: list = []
        for (region, category_id, funding), items in needs.items():
            external = QuotaAccount.objects.filter(
                region_id=region,
                holder_kind=HolderKind.EXTERNAL,
                category_id=category_id,
                funding=funding,
            ).exists()
            if not external:
                amount = sum(row.approved for _, row in items)
                first = min(row.date for _, row in items)
                try:
                    quota.quota_increase_total(
                        actor=self.ctx.actor,
                        region=Region.objects.get(pk=region),
                        category=category_id,
                        funding=funding,
                        amount=amount,
                        doc_no=INITIAL_LOAD_DOC_NO,
                        effective_date=first,
                        reason=REASON,
                        today=self.ctx.today,
                    )
                except ApplicationError as exc:
                    for _, row in items:
                        self.row_error(row.line, "approved", exc)
                    continue
                self.grants += items
                continue
            reserve = (
                QuotaAccount.objects.filter(
                    region_id=region,
                    holder_kind=HolderKind.RESERVE,
                    category_id=category_id,
                    funding=funding,
                )
                .values_list("approved", flat=True)
                .first()
                or 0
            )
            for group, row in items:
                if row.approved > reserve:
                    label = (
                        f"{row.category.name}·{FUNDING_LABELS.get(funding, funding)}"
                    )
                    self.row_error(
                        row.line,
                        "approved",
                        ApplicationError(
                            ErrorCode.QUOTA_NEGATIVE,
                            f"{self._region_name(region)}已设定{label}控制数，导入从未分配"
                            f"编制中核定：本行需{row.approved}名，未分配编制只剩{reserve}名",
                        ),
                    )
                    continue
                reserve -= row.approved
                self.grants.append((group, row))

    # -- 4. grants and 5. leader posts -----------------------------------------------------

    def grant(self) -> None:
        for group, row in sorted(self.grants, key=lambda item: item[1].line):
            try:
                quota.quota_grant(
                    actor=self.ctx.actor,
                    unit=self.units[id(group)],
                    category=row.category,
                    funding=row.funding,
                    amount=row.approved,
                    doc_no=row.doc_no or INITIAL_LOAD_DOC_NO,
                    effective_date=row.date,
                    reason=REASON,
                    today=self.ctx.today,
                )
            except ApplicationError as exc:
                self.row_error(
                    row.line, _GRANT_FIELDS.get(exc.field or "", "approved"), exc
                )

    def leader_posts(self, ordered: list) -> None:
        from .import_units import LEVEL_OF_RANK

        for group in ordered:
            unit = self.units.get(id(group))
            if unit is None:
                continue
            v = group.values
            counts = (("chief", "chief_posts"), ("deputy", "deputy_posts"))
            if not any(v[key] for _, key in counts):
                continue
            level = v["leader_level"] or LEVEL_OF_RANK.get(unit.rank)
            if level is None:
                self.row_error(
                    group.line,
                    "leader_level",
                    ApplicationError(
                        ErrorCode.FIELD_REQUIRED,
                        "请填写职数级别（机构规格未定级时无法推定）",
                    ),
                )
                continue
            first = min(group.rows, key=lambda r: r.line)
            for kind, key in counts:
                if not v[key]:
                    continue
                try:
                    leader_posts_set(
                        actor=self.ctx.actor,
                        unit=unit,
                        scope="unit",
                        level=level,
                        kind=kind,
                        count=v[key],
                        doc_no=first.doc_no or INITIAL_LOAD_DOC_NO,
                        effective_date=unit.established_on,
                        reason=REASON,
                        today=self.ctx.today,
                    )
                except ApplicationError as exc:
                    self.row_error(group.line, key, exc)

    def _region_name(self, code: str) -> str:
        region = Region.objects.filter(pk=code).first()
        return region.name if region else code


def apply(ctx: Context, plan) -> tuple[int, str]:
    """Write the plan (inside the caller's transaction). Returns (rows
    accepted, ""): the rows without any problem once everything was tried."""
    work = _Apply(ctx, plan)
    with transaction.atomic():
        work.regions()
        ordered = work.order()
        work.establish(ordered)
        work.totals(ordered)
        work.grant()
        work.leader_posts(ordered)
    bad = ctx.bad_lines
    accepted = sum(1 for g in plan.groups for line in g.lines if line not in bad)
    return accepted, ""

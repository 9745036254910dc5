"""Form 10 编制变动台账 (DOMAIN §8): every ledger movement with its doc_no.

The period is Selection.period: from `period_start` (default 1 January of
the as-of year) to the as-of date, both included, by effective date, in date
order. A region selection lists the movements of the regions' ledgers; a unit
selection the movements with a leg on one of its units' accounts. Applied
movements always; scheduled (pending) ones only when the as-of date is after
today, as the quota numbers do; flagged ones (fell due but broke a rule)
never, since they never entered the ledger.

数量 is the size of the movement: the sum of its positive legs. Each row
drills to the movement's own page.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from bianzhi.orgs.models import Region
from bianzhi.quota.models import (
    HolderKind,
    MovementKind,
    QuotaAccount,
    QuotaEntry,
    QuotaMovement,
)

from ..base import Column, Form, FormResult, Row, Selection, register
from ..quota_numbers import FUNDING_LABELS, categories
from ..scope import region_codes_under, today, units_in

KIND_LABELS = dict(MovementKind.choices)
STATUS_LABELS = dict(QuotaMovement.Status.choices)
HOLDER_SUFFIX = {
    HolderKind.RESERVE: "未分配编制",
    HolderKind.POOL: "周转池",
    HolderKind.EXTERNAL: "上级核定",
}


def _join(values) -> str:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return "、".join(seen)


class Ledger(Form):
    name = "ledger"
    number = 10
    title = "编制变动台账"

    columns = [
        Column("effective_date", "生效日期", kind="date", total=False),
        Column("doc_no", "文号", kind="text", total=False),
        Column("kind", "变动类型", kind="text", total=False),
        Column("region", "区划", kind="text", total=False),
        Column("category", "编制类型", group="变动编制", kind="text", total=False),
        Column("funding", "经费形式", group="变动编制", kind="text", total=False),
        Column("amount", "数量（名）", group="变动编制"),
        Column("source", "调出方", group="变动双方", kind="text", total=False),
        Column("target", "调入方", group="变动双方", kind="text", total=False),
        Column("status", "状态", kind="text", total=False),
        Column("reason", "事由", kind="text", total=False),
    ]

    def compute(self, selection: Selection) -> FormResult:
        start, end = selection.period
        statuses = [QuotaMovement.Status.APPLIED]
        if end > today():
            statuses.append(QuotaMovement.Status.PENDING)
        movements = QuotaMovement.objects.filter(
            effective_date__gte=start, effective_date__lte=end, status__in=statuses
        )
        selected_accounts: set[int] | None = None
        if selection.unit_id is not None or selection.within is not None:
            selected_accounts = set(
                QuotaAccount.objects.filter(
                    unit_id__in=units_in(selection).values("id")
                ).values_list("id", flat=True)
            )
            pending_ids = [
                movement_id
                for movement_id, legs in movements.filter(
                    status=QuotaMovement.Status.PENDING
                ).values_list("id", "legs")
                if any(leg.get("account") in selected_accounts for leg in legs or ())
            ]
            with_entry = QuotaEntry.objects.filter(
                account_id__in=sorted(selected_accounts)
            ).values("movement_id")
            movements = movements.filter(Q(id__in=with_entry) | Q(id__in=pending_ids))
        elif selection.region_code:
            movements = movements.filter(
                region_id__in=region_codes_under(selection.region_code)
            )
        found = list(
            movements.order_by("effective_date", "id").values(
                "id",
                "region_id",
                "kind",
                "doc_no",
                "effective_date",
                "status",
                "legs",
                "reason",
                "note",
            )
        )
        legs: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for movement_id, account_id, amount in QuotaEntry.objects.filter(
            movement_id__in=movements.filter(
                status=QuotaMovement.Status.APPLIED
            ).values("id")
        ).values_list("movement_id", "account_id", "amount"):
            legs[movement_id].append((account_id, amount))
        for m in found:
            if m["status"] != QuotaMovement.Status.APPLIED:
                legs[m["id"]] = [
                    (int(leg["account"]), int(leg["amount"])) for leg in m["legs"] or ()
                ]
        account_ids = {a for pairs in legs.values() for a, _ in pairs}
        regions = dict(Region.objects.values_list("code", "name"))
        cats = categories()
        holders: dict[int, tuple[str, str, str]] = {}
        for (
            pk,
            kind,
            unit_name,
            region_id,
            category,
            funding,
        ) in QuotaAccount.objects.filter(id__in=sorted(account_ids)).values_list(
            "id", "holder_kind", "unit__name", "region_id", "category_id", "funding"
        ):
            label = (
                unit_name
                if kind == HolderKind.UNIT
                else (regions.get(region_id, region_id) + HOLDER_SUFFIX.get(kind, ""))
            )
            holders[pk] = (
                label,
                cats[category].name if category in cats else category,
                FUNDING_LABELS.get(funding, funding),
            )
        rows = []
        total = 0
        for m in found:
            pairs = legs.get(m["id"], [])
            info = [(holders.get(a, ("", "", "")), amount) for a, amount in pairs]
            amount = sum(a for _h, a in info if a > 0)
            total += amount
            cells = {
                "effective_date": m["effective_date"],
                "doc_no": m["doc_no"],
                "kind": KIND_LABELS.get(m["kind"], m["kind"]),
                "region": regions.get(m["region_id"], m["region_id"]),
                "category": _join(h[1] for h, _a in info),
                "funding": _join(h[2] for h, _a in info),
                "amount": amount,
                "source": _join(h[0] for h, a in info if a < 0),
                "target": _join(h[0] for h, a in info if a > 0),
                "status": STATUS_LABELS.get(m["status"], m["status"]),
                "reason": m["reason"] or m["note"] or "",
            }
            rows.append(
                Row(
                    cells,
                    level=0,
                    drill={"movement": str(m["id"])},
                    key=f"movement:{m['id']}",
                )
            )
        return FormResult(
            form=self.name,
            title=self.title,
            selection=selection,
            columns=list(self.columns),
            rows=rows,
            totals={"doc_no": f"共 {len(rows)} 笔", "amount": total},
            notes=[
                f"统计期间：{start.isoformat()} 至 {end.isoformat()}（按生效日期）；"
                "数量为该笔变动调入方合计数；待生效为已登记、到期后入账的变动。"
            ],
        )


register(Ledger())

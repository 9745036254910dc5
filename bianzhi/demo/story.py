"""The writer of the demo: thin wrappers over the domain services.

Every write goes through orgs/quota/accounts services as Actor.system; the
story only keeps a clock (writes are made in order of effective date, so the
back-dated re-checks of each service see the world as it was) and the
document numbers of each office.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from bianzhi.core.actor import Actor

from .specs import UnitSpec

HISTORY_REASON = "示例数据：历史沿革"
FUTURE_REASON = "示例数据：已批准，待生效"
INITIAL = "初始化导入"
TOP_UP_AGENCY = "示省编"  # the province raises a region's control total

# Leader posts of a unit by its rank: (level, kind) of the head, and of the deputies.
UNIT_LEADERS = {
    "bureau": (("bureau", "chief"), ("bureau", "deputy")),
    "vice_bureau": (("bureau", "deputy"), ("county", "chief")),
    "division": (("county", "chief"), ("county", "deputy")),
    "vice_division": (("county", "deputy"), ("township", "chief")),
    "section": (("township", "chief"), ("township", "deputy")),
    "vice_section": (("township", "deputy"), None),
}
# Internal-body leader pools by the bodies' rank (股级 is no leader level).
POOL_LEVEL = {"division": "county", "section": "township"}


class DocNumbers:
    """文号 per issuing office and year: 示编〔2019〕23号, numbered upwards with gaps."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.last: dict[tuple[str, int], int] = {}

    def next(self, agency: str, year: int) -> str:
        n = self.last.get((agency, year), 0) + self.rng.randint(1, 3)
        self.last[(agency, year)] = n
        return f"{agency}〔{year}〕{n}号"


class Story:
    def __init__(self, *, rng: random.Random, today: dt.date | None = None):
        self.rng = rng
        self.actor = Actor.system("示例数据生成")
        self.today = today or timezone.localdate()
        self.docs = DocNumbers(rng)
        self.regions: dict = {}
        self.units: dict = {}  # spec key -> Unit
        self.specs: dict[str, UnitSpec] = {}
        self.established_doc: dict[str, str] = {}
        self.clock = dt.date(2015, 1, 1)
        self.counts: Counter = Counter()
        self.last_movement = None

    # ---- time -------------------------------------------------------------
    def at(self, day: dt.date) -> dt.date:
        if day < self.clock:
            raise RuntimeError(
                f"示例数据必须按生效日期顺序写入：{day} 早于 {self.clock}"
            )
        self.clock = day
        return day

    def reason(self, day: dt.date) -> str:
        return FUTURE_REASON if day > self.today else HISTORY_REASON

    def doc(self, agency: str, year: int) -> str:
        return self.docs.next(agency, year)

    def unit(self, key: str):
        return self.units.get(key)

    # ---- orgs -------------------------------------------------------------
    def region(self, code: str, name: str, level: str, parent=None):
        from bianzhi.orgs import services

        region = services.region_create_local(
            actor=self.actor, code=code, name=name, level=level, parent=parent
        )
        self.regions[code] = region
        return region

    def cap(self, code: str, cap: int, doc_no: str, day: dt.date):
        from bianzhi.orgs import services

        self.at(day)
        services.agency_cap_set(
            actor=self.actor,
            region=self.regions[code],
            cap=cap,
            doc_no=doc_no,
            effective_date=day,
            reason=self.reason(day),
        )

    def establish(
        self,
        spec: UnitSpec,
        day: dt.date,
        doc_no: str,
        *,
        name: str = "",
        short: str = "",
        parent_key: str = "",
    ):
        from bianzhi.orgs import services

        self.at(day)
        parent = self.units.get(parent_key or spec.parent) if spec.parent else None
        unit = services.unit_establish(
            actor=self.actor,
            region=self.regions[spec.region],
            name=name or spec.name,
            kind=spec.kind,
            rank=spec.rank,
            doc_no=doc_no,
            effective_date=day,
            short_name=short or spec.short,
            uscc=spec.uscc,
            parent=parent,
            institution_class=spec.institution_class,
            sector=spec.sector,
            civil_service_managed=spec.cs_managed,
            in_cap=spec.in_cap,
            reason=self.reason(day),
        )
        self.units[spec.key] = unit
        self.specs[spec.key] = spec
        self.established_doc[spec.key] = doc_no
        self.counts["units"] += 1
        return unit

    def rename(self, key: str, name: str, short: str, doc_no: str, day: dt.date):
        from bianzhi.orgs import services

        unit = self.units.get(key)
        if unit is None or (unit.name, unit.short_name) == (name, short):
            return
        self.at(day)
        self.units[key] = services.unit_rename(
            actor=self.actor,
            unit=self.units[key],
            name=name,
            short_name=short,
            doc_no=doc_no,
            effective_date=day,
            reason=self.reason(day),
        )

    def change(self, key: str, changes: dict, doc_no: str, day: dt.date):
        from bianzhi.orgs import services

        if key not in self.units:
            return
        self.at(day)
        self.units[key] = services.unit_change_attributes(
            actor=self.actor,
            unit=self.units[key],
            changes=changes,
            doc_no=doc_no,
            effective_date=day,
            reason=self.reason(day),
        )

    def change_rank(self, key: str, rank: str, doc_no: str, day: dt.date):
        from bianzhi.orgs import services

        if key not in self.units:
            return
        self.at(day)
        self.units[key] = services.unit_change_rank(
            actor=self.actor,
            unit=self.units[key],
            rank=rank,
            doc_no=doc_no,
            effective_date=day,
            reason=self.reason(day),
        )

    def mandate(self, key: str, approved: int, doc_no: str, day: dt.date):
        from bianzhi.orgs import services

        unit = self.units[key]
        self.at(day)
        staffing = self.staffing(key)
        services.mandate_set(
            actor=self.actor,
            unit=unit,
            doc_no=doc_no,
            effective_date=day,
            internal_bodies_approved=approved,
            functions=f"{unit.name}的主要职责、内设机构和人员编制规定（示例数据）。",
            staffing_note=staffing,
            reason=self.reason(day),
        )
        self.counts["mandates"] += 1

    def staffing(self, key: str) -> str:
        """The 三定's staffing line: the quota the unit holds at the story's date."""
        from bianzhi.quota.models import QuotaAccount

        held = (
            list(
                QuotaAccount.objects.filter(unit=self.units[key], approved__gt=0)
                .order_by("category__sort_order", "funding")
                .values_list("category_id", "funding", "approved")
            )
            or self.specs[key].quotas
        )
        parts = []
        for category, funding, amount in held:
            label = _CATEGORY_LABEL.get(category, category)
            if category == "institutional":
                label += f"（{_FUNDING_LABEL[funding]}）"
            parts.append(f"{label}{amount}名")
        return "；".join(parts)

    def body_add(self, key: str, name: str, doc_no: str, day: dt.date, rank=""):
        from bianzhi.orgs import services

        self.at(day)
        body = services.internal_body_add(
            actor=self.actor,
            unit=self.units[key],
            name=name,
            rank=rank or self.specs[key].body_rank,
            doc_no=doc_no,
            effective_date=day,
            reason=self.reason(day),
        )
        self.counts["internal_bodies"] += 1
        return body

    def body_remove(self, key: str, name: str, doc_no: str, day: dt.date):
        from bianzhi.orgs import services
        from bianzhi.orgs.models import InternalBody

        body = InternalBody.objects.filter(
            unit=self.units[key], name=name, abolished_on__isnull=True
        ).first()
        if body is None:
            return
        self.at(day)
        services.internal_body_remove(
            actor=self.actor,
            body=body,
            doc_no=doc_no,
            effective_date=day,
            reason=self.reason(day),
        )
        self.counts["internal_bodies"] -= 1

    def leaders(
        self,
        key: str,
        doc_no: str,
        day: dt.date,
        *,
        deputies: int | None = None,
        pool: bool = True,
    ):
        """Unit-level posts by rank, and the internal-body pool where bodies carry
        leader ranks (科 in a 处级 unit, 处 in a 厅级 unit)."""
        from bianzhi.orgs.models import InternalBody

        spec, unit = self.specs[key], self.units[key]
        head, deputy = UNIT_LEADERS.get(unit.rank, (None, None))
        # A township's 正职 are its party secretary, head and 人大主席.
        township = spec.kind in ("township", "street")
        if head:
            self._posts(unit, "unit", head, 3 if township else 1, doc_no, day)
        if deputy:
            n = deputies if deputies is not None else self.rng.randint(2, 4)
            if township and deputies is None:
                n = self.rng.randint(5, 7)
            self._posts(unit, "unit", deputy, n, doc_no, day)
        level = POOL_LEVEL.get(spec.body_rank)
        if pool and level:
            bodies = InternalBody.objects.filter(
                unit=unit, abolished_on__isnull=True
            ).count()
            if bodies:
                self._posts(
                    unit, "internal_pool", (level, "chief"), bodies, doc_no, day
                )
                self._posts(
                    unit,
                    "internal_pool",
                    (level, "deputy"),
                    max(1, bodies * 3 // 4),
                    doc_no,
                    day,
                )

    def relevel(self, key: str, old_rank: str, doc_no: str, day: dt.date) -> None:
        """After a rank change: posts at the new levels, the old levels set to 0."""
        unit = self.units[key]
        old = [p for p in UNIT_LEADERS.get(old_rank, ()) if p]
        new = [p for p in UNIT_LEADERS.get(unit.rank, ()) if p]
        self.leaders(key, doc_no, day, deputies=3, pool=False)
        for level_kind in old:
            if level_kind not in new:
                self._posts(unit, "unit", level_kind, 0, doc_no, day)

    def _posts(self, unit, scope, level_kind, count, doc_no, day):
        from bianzhi.quota.leader_posts import leader_posts_set

        self.at(day)
        level, kind = level_kind
        leader_posts_set(
            actor=self.actor,
            unit=unit,
            scope=scope,
            level=level,
            kind=kind,
            count=count,
            doc_no=doc_no,
            effective_date=day,
            reason=self.reason(day),
        )
        self.counts["leader_posts"] += 1

    # ---- quota ------------------------------------------------------------
    def _quota(self, name: str, day: dt.date, **kwargs):
        from bianzhi.quota import services

        if day <= self.today:  # future-dated items are scheduled, not history
            self.at(day)
        result = getattr(services, name)(
            actor=self.actor, effective_date=day, reason=self.reason(day), **kwargs
        )
        self.counts["movements"] += 1
        self.last_movement = result
        return result

    def reserve(self, code: str, category: str, funding: str) -> int:
        from bianzhi.quota.models import QuotaAccount

        row = QuotaAccount.objects.filter(
            region_id=code, holder_kind="reserve", category_id=category, funding=funding
        ).first()
        return row.approved if row else 0

    def vacancy(self, key: str, category: str, funding: str) -> int:
        from bianzhi.quota.models import QuotaAccount

        unit = self.units.get(key)
        if unit is None:
            return 0
        row = QuotaAccount.objects.filter(
            unit=unit, category_id=category, funding=funding
        ).first()
        return row.vacancy if row else 0

    def ensure_reserve(self, code, category, funding, amount, day) -> None:
        short = self.reserve(code, category, funding) - amount
        if short < 0:
            top_up = self.doc(TOP_UP_AGENCY, day.year)
            self.increase_total(code, category, funding, -short + 5, top_up, day)

    def increase_total(self, code, category, funding, amount, doc_no, day):
        return self._quota(
            "quota_increase_total",
            day,
            region=self.regions[code],
            category=category,
            funding=funding,
            amount=amount,
            doc_no=doc_no,
        )

    def grant(self, key, category, funding, amount, doc_no, day):
        """Grant from the reserve; where the reserve is short, the province first
        raises the region's total, as it does before a new unit is staffed."""
        unit = self.units.get(key)
        if unit is None or amount <= 0:
            return None
        # A scheduled grant is checked against the projected reserve; any top-up
        # it needs is made today.
        self.ensure_reserve(
            unit.region_id, category, funding, amount, min(day, self.today)
        )
        return self._quota(
            "quota_grant",
            day,
            unit=unit,
            category=category,
            funding=funding,
            amount=amount,
            doc_no=doc_no,
        )

    def recall(self, key, category, funding, amount, doc_no, day, *, reform=False):
        amount = min(amount, self.vacancy(key, category, funding))
        if amount <= 0:
            return None
        return self._quota(
            "quota_recall",
            day,
            unit=self.units[key],
            category=category,
            funding=funding,
            amount=amount,
            doc_no=doc_no,
            reform=reform,
        )

    def transfer(self, source, target, category, funding, amount, doc_no, day):
        if source not in self.units or target not in self.units:
            return None
        amount = min(amount, self.vacancy(source, category, funding))
        if amount <= 0:
            return None
        return self._quota(
            "quota_transfer",
            day,
            source_unit=self.units[source],
            target_unit=self.units[target],
            category=category,
            funding=funding,
            amount=amount,
            doc_no=doc_no,
        )

    def pool_fund(self, code, category, funding, amount, doc_no, day):
        self.ensure_reserve(code, category, funding, amount, day)
        return self._quota(
            "quota_pool_fund",
            day,
            region=self.regions[code],
            category=category,
            funding=funding,
            amount=amount,
            doc_no=doc_no,
        )

    def loan(self, key, category, funding, amount, doc_no, day, due):
        if key not in self.units:
            return None
        return self._quota(
            "quota_loan",
            day,
            unit=self.units[key],
            category=category,
            funding=funding,
            amount=amount,
            doc_no=doc_no,
            due_date=due,
        )

    def give_back(self, movement, amount, doc_no, day):
        from bianzhi.quota.models import Loan

        if movement is None:
            return None
        loan = Loan.objects.get(movement=movement)
        return self._quota("quota_return", day, loan=loan, amount=amount, doc_no=doc_no)

    def between_regions(self, source, target, category, funding, amount, doc_no, day):
        from bianzhi.quota import services

        self.at(day)
        result = services.quota_transfer_between_regions(
            actor=self.actor,
            source_region=self.regions[source],
            target_region=self.regions[target],
            category=category,
            funding=funding,
            amount=amount,
            doc_no=doc_no,
            effective_date=day,
            reason=self.reason(day),
        )
        self.counts["movements"] += 2
        return result

    def convert(self, key, category, funding, to_funding, amount, doc_no, day, ref):
        amount = min(amount, self.vacancy(key, category, funding))
        if key not in self.units or amount <= 0:
            return None
        return self._quota(
            "quota_conversion",
            day,
            unit=self.units[key],
            category=category,
            funding=funding,
            to_category=category,
            to_funding=to_funding,
            amount=amount,
            doc_no=doc_no,
            approval_ref=ref,
        )


_FUNDING_LABEL = {"full": "财政拨款", "partial": "财政补贴", "self": "经费自理"}
_CATEGORY_LABEL = {
    "administrative": "行政编制",
    "political_legal": "政法专项编制",
    "institutional": "事业编制",
    "logistics": "工勤编制",
    "veteran_cadre": "老干编制",
}

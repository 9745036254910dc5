"""`build_demo`: load the synthetic city 示例市 into an empty database.

Decisions (recorded here and in the issue note):
- The whole load is one transaction: a failure leaves the database empty, and
  SQLite writes once instead of thousands of times.
- Everything is written through the services as Actor.system("示例数据生成"),
  in order of effective date (2015 → 2026, then next year's pending items), so
  each back-dated write is re-checked against the world as it then was.
- 市纪委监委机关 is a party organ (party_dept) outside the agency cap; district
  公安分局 are branches of the city bureau, outside the district cap, while
  示例县公安局 is in the county's cap.
- Districts carry 34–35 in-cap units under a cap of 37 (38 before 2019); the
  city 54 under 56 (58 before 2019), leaving slots free. In 2019 four city
  bureaus leave the cap as 部门管理机构 (in_cap off, parent set).
- Control totals come from the province (示省编); a region's reserve that runs
  short before a grant is topped up by the province first (increase_total).
- Persons (实名制): after the quota story, `people.generate_people` writes
  up to `persons` people with their history (see bianzhi/demo/people.py).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from bianzhi.core import audit

from . import history, history_later
from .logins import LOGINS, create_logins
from .people import generate_people
from .permits import workflow_permits
from .specs import FULL, SMALL, Scale, build_specs
from .story import Story

SCALES = {"full": FULL, "small": SMALL}


class DemoError(Exception):
    """The demo cannot be loaded; the message says why (in Chinese)."""


class DemoNotEmpty(DemoError):
    """The database already holds units or movements."""


@dataclass
class DemoReport:
    seed: int
    persons: int
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    people: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        c = self.counts
        return [
            f"示例数据已载入（随机种子 {self.seed}，用时 {self.seconds:.1f} 秒）：",
            f"  行政区划 {c['regions']} 个；单位 {c['units']} 个"
            f"（党政机构计入限额 {c['in_cap']} 个，事业单位 {c['institutions']} 个，"
            f"乡镇街道 {c['townships']} 个，议事协调机构 {c['coordination']} 个）",
            f"  内设机构 {c['internal_bodies']} 个；三定 {c['mandates']} 份"
            f"（{c['no_mandate']} 个单位三定未录入）；领导职数记录 {c['leader_posts']} 条",
            f"  编制账户 {c['accounts']} 个；编制变动 {c['movements']} 笔"
            f"（待生效 {c['pending']} 笔）；周转池借出 {c['loans']} 笔"
            f"（逾期未还 {c['loans_overdue']} 笔）",
            f"  用编核准 {c['permits']} 件（其中经用编申请审批 {c['permits_by_request']} 件，"
            f"用编申请 {c['quota_use']} 件）",
            f"  用户 {c['users']} 个；审计事件 {c['audit_events']} 条",
            *self.people_lines(),
        ]

    def people_lines(self) -> list[str]:
        c, p = self.counts, self.people
        if not c.get("persons"):
            return []
        releases = sum(n for k, n in p.items() if k.startswith("release:"))
        return [
            f"  实名制人员 {c['persons']} 人（在编 {c['postings_active']} 人，"
            f"初始化导入 {p['initial_load']} 人，其后入编 {c['persons'] - p['initial_load']} 人，"
            f"出编 {releases} 人次，调动 {p['transfers']} 人次）；"
            f"领导职务任职 {c['appointments']} 人；借调 {c['secondments']} 人；"
            f"编外人员 {c['off_quota']} 人；超编账户 {c['over_accounts']} 个",
        ]


def database_is_empty() -> bool:
    from bianzhi.orgs.models import Region, Unit
    from bianzhi.quota.models import QuotaMovement

    return not (
        Unit.objects.exists()
        or QuotaMovement.objects.exists()
        or Region.objects.filter(code__startswith="99").exists()
    )


def build_demo(
    seed: int = 2026,
    scale: Scale | str = "full",
    *,
    persons: int = 0,
    today=None,
) -> DemoReport:
    """Build the demo city. Raises DemoNotEmpty unless the database is empty."""
    if isinstance(scale, str):
        scale = SCALES[scale]
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        audit.defer_index_merge()  # some 40,000 events in one transaction
        if not database_is_empty():
            raise DemoNotEmpty("数据库中已有机构或编制数据")
        taken = _taken_usernames()
        if taken:
            raise DemoError(f"示例账号的用户名已被占用：{'、'.join(taken)}")
        story = Story(rng=rng, today=today)
        if story.today <= history_later.LAST_HISTORY_DATE:
            raise DemoError(
                f"系统日期 {story.today} 早于示例数据的历史沿革（至 "
                f"{history_later.LAST_HISTORY_DATE}），无法生成"
            )
        specs = build_specs(rng, scale)
        history.regions(story, scale.districts)
        history.baseline(story, specs)
        history.years_2016_2018(story, specs)
        history_later.reform_city(story, specs)
        history_later.reform_locals(story, specs)
        history_later.years_2020_2026(story, specs)
        history_later.scheduled(story)
        people = generate_people(story, persons) if persons > 0 else Counter()
        story.counts["users"] = create_logins(story.actor, story.units, story.regions)
        story.counts["quota_use"] = workflow_permits(story.units, story.today)
    report = DemoReport(seed=seed, persons=persons)
    report.people = people
    report.seconds = time.perf_counter() - started
    report.counts = summary()
    return report


def _taken_usernames() -> list[str]:
    from django.contrib.auth import get_user_model

    names = [login.username for login in LOGINS]
    return sorted(
        get_user_model()
        .objects.filter(username__in=names)
        .values_list("username", flat=True)
    )


def summary() -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bianzhi.core.models import AuditEvent
    from bianzhi.orgs.models import InternalBody, Mandate, Region, Unit
    from bianzhi.quota.models import LeaderPostQuota, Loan, QuotaAccount, QuotaMovement

    units = Unit.objects.filter(status="active")
    with_mandate = Mandate.objects.values("unit_id").distinct()
    return {
        "regions": Region.objects.count(),
        "units": units.count(),
        "in_cap": units.filter(in_cap=True).count(),
        "institutions": units.filter(kind="institution").count(),
        "townships": units.filter(kind__in=("township", "street")).count(),
        "coordination": units.filter(kind="coordination").count(),
        "no_mandate": units.exclude(kind="coordination")
        .exclude(id__in=with_mandate)
        .count(),
        "internal_bodies": InternalBody.objects.filter(
            abolished_on__isnull=True
        ).count(),
        "mandates": Mandate.objects.count(),
        "leader_posts": LeaderPostQuota.objects.count(),
        "accounts": QuotaAccount.objects.count(),
        "movements": QuotaMovement.objects.count(),
        "pending": QuotaMovement.objects.filter(status="pending").count(),
        "loans": Loan.objects.count(),
        "loans_overdue": Loan.objects.filter(
            outstanding__gt=0, due_date__lt=timezone.localdate()
        ).count(),
        "users": get_user_model().objects.count(),
        **_permit_counts(),
        **_roster_counts(),
        "audit_events": AuditEvent.objects.count(),
    }


def _permit_counts() -> dict[str, int]:
    from bianzhi.approvals.models import Request
    from bianzhi.quota.models import Permit

    return {
        "permits": Permit.objects.count(),
        "permits_by_request": Permit.objects.filter(request_id__isnull=False).count(),
        "quota_use": Request.objects.filter(kind="quota_use").count(),
    }


def _roster_counts() -> dict[str, int]:
    from django.db.models import F

    from bianzhi.quota.models import QuotaAccount
    from bianzhi.roster.models import (
        Appointment,
        OffQuotaStaff,
        Person,
        Posting,
        Secondment,
    )

    return {
        "persons": Person.objects.count(),
        "postings_active": Posting.objects.filter(end_date__isnull=True).count(),
        "appointments": Appointment.objects.filter(end_date__isnull=True).count(),
        "secondments": Secondment.objects.count(),
        "off_quota": OffQuotaStaff.objects.count(),
        "over_accounts": QuotaAccount.objects.filter(
            holder_kind="unit", occupied__gt=F("approved")
        ).count(),
    }

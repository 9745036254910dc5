"""The double-entry quota ledger (DOMAIN §3.2) and leader-post quotas (§3.3).

Only the ledger (quota.ledger and its ledger_counters) writes QuotaEntry rows
and the approved counters; quota.occupancy alone writes occupied, reserved
and the intake credits.
"""

from django.db import models
from django.db.models import Q

from bianzhi.orgs.models import InternalBody, Region, Unit


class Funding(models.TextChoices):
    FULL = "full", "财政拨款"
    PARTIAL = "partial", "财政补贴"
    SELF = "self", "经费自理"


# Reverse-flow rank (DOMAIN §3.4): self < partial < full.
FUNDING_RANK = {Funding.SELF: 1, Funding.PARTIAL: 2, Funding.FULL: 3}


class QuotaCategory(models.Model):
    """A 编制类型. The five national ones are seeded; offices add local ones.

    A local category declares the identities it accepts, the unit kinds that
    may hold it and its rank for the reverse-flow rule (VALUES.md).
    """

    code = models.SlugField(max_length=40, primary_key=True)
    name = models.CharField("编制类型", max_length=40, unique=True)
    aliases = models.JSONField(default=list, blank=True)
    rank = models.PositiveSmallIntegerField("逆向流动等级")  # 1 工勤 < 2 事业 < 3 行政
    accepted_identities = models.JSONField(default=list)
    allowed_unit_kinds = models.JSONField(default=list)
    full_funding_only = models.BooleanField("只能为财政拨款", default=False)
    is_national = models.BooleanField(default=False)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "编制类型"

    def __str__(self) -> str:
        return self.name


class HolderKind(models.TextChoices):
    UNIT = "unit", "单位"
    RESERVE = "reserve", "未分配编制"
    POOL = "pool", "周转池"
    EXTERNAL = "external", "上级"


class QuotaAccount(models.Model):
    """holder × category × funding. Counters hold today's state (a cache of the
    entries, postings and reservations that `bianzhi check` recomputes)."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="quota_accounts")
    holder_kind = models.CharField(max_length=10, choices=HolderKind.choices)
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="quota_accounts"
    )
    category = models.ForeignKey(QuotaCategory, models.PROTECT, related_name="accounts")
    funding = models.CharField(max_length=10, choices=Funding.choices)
    approved = models.IntegerField("核定编制数", default=0)
    occupied = models.IntegerField("实有人数", default=0)
    reserved = models.IntegerField("预留数", default=0)
    # Set while occupied > approved (a legal state after a reform reduction).
    over_since = models.DateField("超编起始日期", null=True, blank=True)
    over_reason = models.CharField(max_length=200, blank=True)
    # N-out-1-in credits earned this year (DOMAIN §3.4), valid to credits_year end.
    intake_credits = models.PositiveIntegerField(default=0)
    credits_year = models.PositiveSmallIntegerField(null=True, blank=True)
    releases_toward_credit = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = [
            "region_id",
            "holder_kind",
            "unit_id",
            "category__sort_order",
            "funding",
        ]
        constraints = [
            # The external account is −(control total) by definition.
            models.CheckConstraint(
                condition=Q(approved__gte=0) | Q(holder_kind="external"),
                name="quotaaccount_approved_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(occupied__gte=0), name="quotaaccount_occupied_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="quotaaccount_reserved_nonneg"
            ),
            models.CheckConstraint(
                condition=(Q(holder_kind="unit") & Q(unit__isnull=False))
                | (~Q(holder_kind="unit") & Q(unit__isnull=True)),
                name="quotaaccount_holder_unit",
            ),
            models.CheckConstraint(
                condition=Q(holder_kind="unit") | (Q(occupied=0) & Q(reserved=0)),
                name="quotaaccount_system_holds_no_people",
            ),
            models.UniqueConstraint(
                fields=["unit", "category", "funding"],
                condition=Q(unit__isnull=False),
                name="quotaaccount_unit_unique",
            ),
            models.UniqueConstraint(
                fields=["region", "holder_kind", "category", "funding"],
                condition=~Q(holder_kind="unit"),
                name="quotaaccount_system_unique",
            ),
        ]

    def __str__(self) -> str:
        holder = self.unit.name if self.unit_id else self.get_holder_kind_display()
        return f"{holder}·{self.category.name}·{self.get_funding_display()}"

    @property
    def vacancy(self) -> int:
        return self.approved - self.occupied - self.reserved

    @property
    def over(self) -> int:
        return max(self.occupied - self.approved, 0)


class MovementKind(models.TextChoices):
    GRANT = "grant", "核定"  # reserve → unit
    RECALL = "recall", "收回"  # unit → reserve
    TRANSFER = "transfer", "划转"  # unit → unit, same region
    POOL_FUND = "pool_fund", "注入周转池"  # reserve → pool
    POOL_DEFUND = "pool_defund", "周转池收回"  # pool → reserve
    LOAN = "loan", "借出"  # pool → unit, with a due date
    RETURN = "return", "归还"  # unit → pool
    INCREASE_TOTAL = "increase_total", "核增总量"  # external → reserve
    WRITE_OFF = "write_off", "核销"  # reserve → external
    CONVERSION = (
        "conversion",
        "编制性质/经费形式调整",
    )  # unit account → same unit's other


class QuotaMovement(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", "已入账"
        PENDING = "pending", "待生效"  # future-dated; written by `bianzhi daily`
        FLAGGED = "flagged", "未能入账"  # fell due but would now break a rule

    region = models.ForeignKey(Region, models.PROTECT, related_name="movements")
    kind = models.CharField("变动类型", max_length=16, choices=MovementKind.choices)
    doc_no = models.CharField("文号", max_length=80, db_index=True)
    effective_date = models.DateField("生效日期", db_index=True)
    recorded_at = models.DateTimeField("记账时间", auto_now_add=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    approval_ref = models.CharField("审批依据", max_length=120, blank=True)
    reason = models.TextField("理由", blank=True)
    reform = models.BooleanField("改革核减", default=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.APPLIED
    )
    flag_reason = models.CharField(max_length=300, blank=True)
    # The legs as planned: [{"account": id, "amount": ±n}]. Entries mirror them
    # once applied; a pending movement has legs but no entries yet.
    legs = models.JSONField(default=list)
    due_date = models.DateField("归还期限", null=True, blank=True)  # loans
    # Links a return to its loan, a reversal to what it reverses, and the two
    # halves of a cross-region transfer (write_off + increase_total).
    related = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="related_movements"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_date", "-id"]
        indexes = [models.Index(fields=["region", "status", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.doc_no}"


class QuotaEntry(models.Model):
    """One leg of an applied movement. Append-only."""

    movement = models.ForeignKey(QuotaMovement, models.PROTECT, related_name="entries")
    account = models.ForeignKey(QuotaAccount, models.PROTECT, related_name="entries")
    amount = models.IntegerField()
    effective_date = models.DateField(db_index=True)

    class Meta:
        ordering = ["effective_date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="quotaentry_nonzero")
        ]
        indexes = [models.Index(fields=["account", "effective_date"])]


class Loan(models.Model):
    """Quota lent from the turnover pool; counts in the borrower's approved."""

    movement = models.OneToOneField(QuotaMovement, models.PROTECT, related_name="loan")
    account = models.ForeignKey(QuotaAccount, models.PROTECT, related_name="loans")
    amount = models.PositiveIntegerField()
    outstanding = models.IntegerField()
    due_date = models.DateField("归还期限")

    class Meta:
        ordering = ["due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outstanding__gte=0)
                & Q(outstanding__lte=models.F("amount")),
                name="loan_outstanding_in_range",
            )
        ]


class LeaderLevel(models.TextChoices):
    PROVINCIAL = "provincial", "省部级"
    BUREAU = "bureau", "厅局级"
    COUNTY = "county", "县处级"
    TOWNSHIP = "township", "乡科级"


class LeaderKind(models.TextChoices):
    CHIEF = "chief", "正职"
    DEPUTY = "deputy", "副职"


class LeaderPostScope(models.TextChoices):
    UNIT = "unit", "单位领导职数"
    INTERNAL_BODY = "internal_body", "内设机构领导职数"
    INTERNAL_POOL = "internal_pool", "内设机构领导职数（统筹）"


class LeaderPostQuota(models.Model):
    """One effective-dated version of a leader-post count (DOMAIN §3.3).

    The count in force at D is the latest version with effective_date <= D for
    the same (unit, scope, internal body, level, kind).
    """

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="leader_post_quotas")
    scope = models.CharField(max_length=16, choices=LeaderPostScope.choices)
    internal_body = models.ForeignKey(
        InternalBody,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="leader_post_quotas",
    )
    level = models.CharField("职务层次", max_length=12, choices=LeaderLevel.choices)
    kind = models.CharField("正副职", max_length=8, choices=LeaderKind.choices)
    count = models.PositiveSmallIntegerField("职数")
    effective_date = models.DateField("生效日期")
    doc_no = models.CharField("文号", max_length=80)
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor_name = models.CharField(max_length=150, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["unit_id", "scope", "level", "kind", "effective_date"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="internal_body") & Q(internal_body__isnull=False))
                | (~Q(scope="internal_body") & Q(internal_body__isnull=True)),
                name="leaderpostquota_body_matches_scope",
            ),
            models.UniqueConstraint(
                fields=[
                    "unit",
                    "scope",
                    "internal_body",
                    "level",
                    "kind",
                    "effective_date",
                ],
                name="leaderpostquota_one_version_per_date",
            ),
        ]


# --- recruitment plans and quota-use permits (DOMAIN §4 items 1–2) -------------------


class RecruitmentPlan(models.Model):
    """年度用编进人计划: a unit's approved intake for a year. Its lines reserve
    vacancies (QuotaAccount.reserved) until permits convert them."""

    class Status(models.TextChoices):
        APPROVED = "approved", "已批准"
        CANCELLED = "cancelled", "已撤销"

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="recruitment_plans")
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.APPROVED
    )
    request_id = models.BigIntegerField("审批事项", unique=True)
    approved_on = models.DateField("批准日期")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "unit_id", "pk"]

    def __str__(self) -> str:
        return f"{self.year}年用编进人计划（{self.unit_id}）"


class PlanLine(models.Model):
    """One account × channel of a plan. `reserved` is what the line still holds
    in the account; permits take from it (converted) rather than reserving again.
    A line of an over-quota account planned against intake credits holds none."""

    plan = models.ForeignKey(RecruitmentPlan, models.CASCADE, related_name="lines")
    account = models.ForeignKey(QuotaAccount, models.PROTECT, related_name="plan_lines")
    channel = models.CharField("进入方式", max_length=30)
    count = models.PositiveIntegerField("计划数")
    reserved = models.PositiveIntegerField("尚预留数", default=0)
    converted = models.PositiveIntegerField("已转核准数", default=0)
    by_credit = models.BooleanField("以进人额度计划", default=False)

    class Meta:
        ordering = ["plan_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__lte=models.F("count")),
                name="planline_reserved_le_count",
            ),
            models.CheckConstraint(
                condition=Q(converted__lte=models.F("count")),
                name="planline_converted_le_count",
            ),
        ]


class Permit(models.Model):
    """用编核准: `count` intakes into one account through one channel until
    valid_until. While active it holds count − used in the account's
    `reserved` counter; each intake converts one (occupied +1, reserved −1).

    A permit `by_credit` is issued to an account that is full or over quota
    under the region's N-out-1-in policy: it holds no reservation (there is
    no vacancy to hold) and its intakes consume the account's intake credits
    of the year, so it is valid at most to the end of that year.

    A permit comes from a quota_use request (request_id) or, for one approved
    on paper before the platform (the demo's history, a migration), is
    recorded by the system with that approval's document number (doc_no)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        EXPIRED = "expired", "已过期"
        EXHAUSTED = "exhausted", "已用完"
        CANCELLED = "cancelled", "已撤销"

    number = models.CharField("核准编号", max_length=60, unique=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="permits")
    account = models.ForeignKey(QuotaAccount, models.PROTECT, related_name="permits")
    channel = models.CharField("进入方式", max_length=30)
    count = models.PositiveIntegerField("核准数")
    used = models.PositiveIntegerField("已使用", default=0)
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期至")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    plan_line = models.ForeignKey(
        PlanLine, models.PROTECT, null=True, blank=True, related_name="permits"
    )
    converted = models.PositiveIntegerField("由计划转入数", default=0)
    by_credit = models.BooleanField("凭进人额度", default=False)
    request_id = models.BigIntegerField("审批事项", unique=True, null=True, blank=True)
    doc_no = models.CharField("批准文号", max_length=60, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "pk"]
        indexes = [
            models.Index(fields=["unit", "status"], name="permit_unit_status"),
            models.Index(fields=["status", "valid_until"], name="permit_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(used__lte=models.F("count")), name="permit_used_le_count"
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="permit_count_pos"),
            models.CheckConstraint(
                condition=Q(converted__lte=models.F("count")),
                name="permit_converted_le_count",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="permit_validity_order",
            ),
            models.CheckConstraint(
                condition=Q(request_id__isnull=False) | ~Q(doc_no=""),
                name="permit_has_approval",
            ),
            models.CheckConstraint(
                condition=Q(by_credit=False) | Q(converted=0),
                name="permit_credit_converts_nothing",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def remaining(self) -> int:
        return self.count - self.used

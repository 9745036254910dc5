"""Establishment matters (机构编制事项) and the top-level coordination list
(顶格协调事项清单, 挂账销号): DOMAIN §4 items 5 and 6.

A matter travels as an approvals Request (one kind per matter type, see
kinds.py); this table keeps what the engine does not: the argumentation
(论证), the office meeting's minutes, the committee's decision with its
doc_no, where it was routed, and whether its effect is applied or scheduled.
Only the services in this app write these tables.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class MatterType(models.TextChoices):
    ESTABLISH = "establish", "设立"
    REVOKE = "revoke", "撤销"
    MERGE = "merge", "合并"
    RENAME = "rename", "更名"
    CHANGE_RANK = "change_rank", "调整规格"
    CHANGE_QUOTA = "change_quota", "调整编制"
    CHANGE_LEADER_POSTS = "change_leader_posts", "调整领导职数"
    CHANGE_MANDATE = "change_mandate", "调整职责（三定）"


class Matter(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "办理中"  # not yet decided by the committee
        SCHEDULED = "scheduled", "待生效"  # decided, effective date in the future
        APPLIED = "applied", "已生效"  # unit and ledger changes written
        FAILED = "failed", "生效受阻"  # due, but a rule now refuses it (flagged)

    request = models.OneToOneField(
        "approvals.Request", models.PROTECT, related_name="matter"
    )
    matter_type = models.CharField("事项类型", max_length=24, choices=MatterType)
    # Where the request was first made (routing up changes the request's
    # region_code, not this).
    origin_region = models.ForeignKey(
        "orgs.Region", models.PROTECT, related_name="+", verbose_name="申请区划"
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="matters",
        verbose_name="涉及单位",
    )
    # 论证
    hearing_notes = models.TextField("论证听证记录", blank=True)
    workload = models.JSONField("工作量数据", default=dict, blank=True)
    analysis = models.JSONField("量化分析", default=dict, blank=True)
    attachment_ids = models.JSONField("论证附件", default=list, blank=True)
    argued_by_name = models.CharField(max_length=150, blank=True)
    argued_at = models.DateTimeField(null=True, blank=True)
    # 编办主任办公会
    meeting_date = models.DateField("会议日期", null=True, blank=True)
    meeting_minutes = models.TextField("会议纪要", blank=True)
    meeting_by_name = models.CharField(max_length=150, blank=True)
    # 编委会
    committee_date = models.DateField("编委会日期", null=True, blank=True)
    committee_decision = models.TextField("编委会决定", blank=True)
    doc_no = models.CharField("文号", max_length=80, blank=True)
    committee_by_name = models.CharField(max_length=150, blank=True)
    effective_date = models.DateField("生效日期", null=True, blank=True)
    # Routing up (报上级): every hop, oldest first:
    # [{"from": code, "to": code, "reason": str, "by": name, "on": date,
    #   "argumentation": {...the lower level's record...}}]
    route = models.JSONField("报送记录", default=list, blank=True)
    state = models.CharField(
        "生效状态", max_length=10, choices=State.choices, default=State.OPEN
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    apply_error = models.TextField("未能生效原因", blank=True)
    certificate_ids = models.JSONField("换发机构编制管理证", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["state", "effective_date"], name="matters_due_scheduled"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_matter_type_display()} {self.request_id}"


class CoordinationItem(models.Model):
    """One item of the top-level coordination list, kept on the books (挂账)
    until it is closed with a note and evidence (销号)."""

    class Status(models.TextChoices):
        OPEN = "open", "挂账"
        CLOSED = "closed", "已销号"

    region = models.ForeignKey(
        "orgs.Region", models.PROTECT, related_name="+", verbose_name="行政区划"
    )
    title = models.CharField("事项名称", max_length=200)
    description = models.TextField("事项内容", blank=True)
    owner_name = models.CharField("责任单位", max_length=200)
    owner_unit = models.ForeignKey(
        "orgs.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="coordination_items",
        verbose_name="责任单位（库内）",
    )
    lead_person = models.CharField("牵头领导/责任人", max_length=100)
    due_date = models.DateField("办结时限")
    status = models.CharField(
        "状态", max_length=8, choices=Status.choices, default=Status.OPEN
    )
    source_link = models.CharField("来源", max_length=300, blank=True)
    closure_note = models.TextField("销号说明", blank=True)
    evidence_ids = models.JSONField("销号佐证材料", default=list, blank=True)
    closed_by_name = models.CharField("销号人", max_length=150, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    reopen_reason = models.TextField("重新挂账原因", blank=True)
    # The first day `bianzhi daily` reported it overdue (reported once).
    overdue_warned_on = models.DateField(null=True, blank=True)
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "due_date", "id"]
        indexes = [
            models.Index(fields=["region", "status", "due_date"], name="coord_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(closure_note=""),
                name="coord_closed_has_note",
            ),
        ]

    def __str__(self) -> str:
        return self.title

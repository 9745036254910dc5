"""Requests, their append-only decisions, step due dates and joint opinions.

The engine knows nothing of the domains: a request names its subject
generically (subject_type + subject_id, e.g. "unit", "123") and carries the
unit/region it belongs to as plain values for scoping. Only the services in
services.py write these tables.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Request(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"  # created, not yet submitted; only its creator sees it
        SUBMITTED = "submitted", "已提交"  # waiting at the first step, nobody acted yet
        IN_REVIEW = (
            "in_review",
            "审核中",
        )  # at least one step passed, waiting at a later one
        RETURNED = "returned", "退回修改"  # back with the submitter for correction
        APPROVED = "approved", "已批准"  # final approval given, effect applied
        REJECTED = "rejected", "不予批准"  # ended by a reviewer, nothing applied
        WITHDRAWN = (
            "withdrawn",
            "已撤回",
        )  # ended by the submitter before the final step

    kind = models.CharField("事项类型", max_length=40)
    subject_type = models.CharField("对象类型", max_length=30, blank=True)
    subject_id = models.CharField("对象标识", max_length=64, blank=True)
    # Scoping, copied from the subject when the request is created.
    unit_id = models.BigIntegerField("单位", null=True, blank=True)
    region_code = models.CharField("行政区划", max_length=6)
    title = models.CharField("标题", max_length=200)
    payload = models.JSONField("申请内容", default=dict, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # The step the request waits at and the role acting there ("" when it
    # waits for nobody: draft, returned, ended). current_role is kept beside
    # the step so that inboxes are one indexed query.
    current_step = models.CharField("当前环节", max_length=40, blank=True)
    current_role = models.CharField("当前办理角色", max_length=20, blank=True)
    due_on = models.DateField("当前环节办结期限", null=True, blank=True)
    round = models.PositiveIntegerField("提交轮次", default=0)
    serial = models.CharField("编号", max_length=40, null=True, blank=True, unique=True)
    idempotency_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True
    )
    # Every transition is UPDATE ... WHERE version = <read> AND current_step = <read>.
    version = models.PositiveIntegerField(default=1)
    created_by_id = models.BigIntegerField("申请人", null=True, blank=True)
    created_by_name = models.CharField("申请人姓名", max_length=150, blank=True)
    created_by_role = models.CharField(max_length=20, blank=True)
    created_by_scope = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    submitted_at = models.DateTimeField("首次提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["status", "current_role", "region_code"],
                name="approvals_inbox_region",
            ),
            models.Index(
                fields=["status", "current_role", "unit_id"],
                name="approvals_inbox_unit",
            ),
            models.Index(fields=["created_by_id", "status"], name="approvals_mine"),
            models.Index(fields=["kind", "status"], name="approvals_kind_status"),
            models.Index(
                fields=["subject_type", "subject_id"], name="approvals_subject"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status__in=["submitted", "in_review"]) & ~Q(current_step="")
                )
                | (~Q(status__in=["submitted", "in_review"]) & Q(current_step="")),
                name="approvals_request_step_iff_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial or '草稿'} {self.title}"


class Decision(models.Model):
    """One action on a request. Append-only: never updated, never deleted."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提交"
        APPROVE = "approve", "同意"
        RETURN = "return", "退回修改"
        REJECT = "reject", "不予批准"
        WITHDRAW = "withdraw", "撤回"
        OPINION = "opinion", "联审意见"
        # Records of the kinds' own steps (the enrollment filing's publicity,
        # an establishment matter sent up to the region above).
        PUBLICITY = "publicity", "发布公示"
        OBJECTION = "objection", "公示异议"
        OBJ_RULING = "obj_ruling", "异议核查"
        ROUTE_UP = "route_up", "报上级"

    request = models.ForeignKey(Request, models.PROTECT, related_name="decisions")
    round = models.PositiveIntegerField()
    step = models.CharField(
        max_length=40, blank=True
    )  # "" for submit/withdraw outside a step
    action = models.CharField(max_length=10, choices=Action.choices)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    actor_scope = models.CharField(max_length=80, blank=True)
    comment = models.TextField(blank=True)
    # Submit: the payload as submitted in this round; opinion: department and verdict.
    data = models.JSONField(default=dict, blank=True)
    # A repeated submit with the same key returns the request unchanged.
    idempotency_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.step} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise RuntimeError("decisions are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("decisions are append-only")


class StepDue(models.Model):
    """One visit of a request to a step: when it started and when it is due.

    Overdue = not completed and due_on < today (a query, see selectors.overdue).
    `warned_on` records the day `bianzhi daily` first reported it.
    """

    request = models.ForeignKey(Request, models.PROTECT, related_name="stages")
    round = models.PositiveIntegerField()
    step = models.CharField(max_length=40)
    role = models.CharField(max_length=20)
    started_on = models.DateField()
    due_on = models.DateField()
    # The due date relied on days outside the holiday table (next year's
    # arrangement not yet published).
    due_provisional = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    warned_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(completed_at__isnull=True),
                name="approvals_stage_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.step} → {self.due_on}"


class JointReview(models.Model):
    """One partner department's opinion at a joint-review step.

    The rows are created pending (opinion "") when the step opens, one per
    required department; the step completes when none is pending.
    """

    class Opinion(models.TextChoices):
        PENDING = "", "待提出"
        AGREE = "agree", "同意"
        DISAGREE = "disagree", "不同意"
        CONDITIONAL = "conditional", "有条件同意"

    stage = models.ForeignKey(StepDue, models.PROTECT, related_name="joint_reviews")
    request = models.ForeignKey(Request, models.PROTECT, related_name="joint_reviews")
    department = models.CharField("联审部门", max_length=40)
    opinion = models.CharField(
        "意见", max_length=12, choices=Opinion.choices, blank=True, default=""
    )
    comment = models.TextField("说明", blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "department"], name="approvals_joint_one_per_dept"
            ),
        ]
        indexes = [
            models.Index(
                fields=["request", "department"],
                condition=Q(opinion=""),
                name="approvals_joint_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.department} {self.opinion or '待提出'}"


class SerialCounter(models.Model):
    """Last serial number issued per prefix and year. Taken by an UPDATE inside
    the submitting transaction, so a rolled-back submission returns its number
    and the series has no gaps."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year"], name="approvals_serial_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class NoticeSeen(models.Model):
    """When a user last looked at 审批 notifications ("what is new for me"):
    events after it are new. One row per user, kept across sessions."""

    user_id = models.BigIntegerField(unique=True)
    seen_at = models.DateTimeField("最近查看时间")

    def __str__(self) -> str:
        return f"{self.user_id} {self.seen_at:%Y-%m-%d %H:%M}"

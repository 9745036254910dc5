"""Reconciliation runs, their findings and the reviews remembered across months.

- ReconcileRun: one stored run (month, inputs with names, sha256 and row
  counts, counts per rule, skipped rules, who ran it, when). A run is stored
  only when it succeeded: a refused input writes nothing (services.py), so
  `status` is "done" for every stored run; a background run's progress
  before that lives in a status file (tasks.py).
- Finding: one finding of a run, identified across months by `key` =
  (rule, ID number, unit), where the unit is its credit code, else its
  normalised name (engine.finding_key).
- FindingReview: the office's verdict on a key — confirmed / explained
  (note required) / false positive — remembered for later months: a finding
  of next month with the same key shows the verdict (e.g. 「已说明」) instead
  of coming back as new. A confirmed finding can be marked for handover to
  supervision (督查); the supervision module picks up those marked pending.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bianzhi.orgs.models import Unit


class ReconcileRun(models.Model):
    class Status(models.TextChoices):
        DONE = "done", "已完成"  # every stored run: failures store nothing

    class RosterSource(models.TextChoices):
        DATABASE = "database", "系统实名制数据"
        FILE = "file", "实名制导出文件"

    month = models.DateField("比对月份")  # first day of the month
    roster_source = models.CharField(
        "实名制来源", max_length=10, choices=RosterSource.choices
    )
    # [{"source", "label", "filename", "sha256", "size", "rows"}]
    inputs = models.JSONField("比对数据", default=list)
    persons = models.IntegerField("实名制人数", default=0)
    counts = models.JSONField("各规则疑点数", default=dict)  # {"R1": n, ...}
    skipped = models.JSONField(
        "未执行的规则", default=list
    )  # [{"rule", "reason", "partial"}]
    findings_total = models.IntegerField("疑点总数", default=0)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DONE
    )
    progress = models.PositiveSmallIntegerField("进度", default=100)
    seconds = models.FloatField("用时（秒）", default=0)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_name = models.CharField("比对人", max_length=150, blank=True)
    created_by_role = models.CharField(max_length=32, blank=True)
    created_by_scope = models.CharField(max_length=80, blank=True)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间")

    class Meta:
        ordering = ["-month", "-id"]
        verbose_name = "比对任务"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["done"]), name="reconcilerun_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["month", "id"], name="reconcilerun_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} 比对 #{self.pk}"


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", "已确认"  # a real problem
    EXPLAINED = "explained", "已说明"  # a known, justified situation (note required)
    FALSE_POSITIVE = "false_positive", "误报"  # the data were wrong, not the roster


class HandoverStatus(models.TextChoices):
    NONE = "", "未移交"
    PENDING = "pending", "待移交督查"  # marked by the office; supervision picks it up


class FindingStatus(models.TextChoices):
    """A finding's status as shown: its key's remembered verdict, or new."""

    NEW = "new", "待核查"
    CONFIRMED = "confirmed", "已确认"
    EXPLAINED = "explained", "已说明"
    FALSE_POSITIVE = "false_positive", "误报"


class Finding(models.Model):
    run = models.ForeignKey(ReconcileRun, models.CASCADE, related_name="findings")
    rule = models.CharField("规则", max_length=4)
    id_number = models.CharField("公民身份号码", max_length=40, blank=True)
    unit_name = models.CharField("单位名称", max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The unit's identity in the key (credit code or N:<normalised name>).
    unit_ref = models.CharField(max_length=200, blank=True)
    person_name = models.CharField("姓名", max_length=100, blank=True)
    explanation = models.TextField("说明")
    score = models.CharField("姓名比对", max_length=16, blank=True)  # R6 only
    evidence = models.JSONField("证据", default=dict)  # {source: [row, ...]}
    key = models.CharField(max_length=255)

    class Meta:
        ordering = ["run_id", "id"]
        verbose_name = "比对疑点"
        indexes = [
            models.Index(fields=["run", "rule"], name="finding_run_rule"),
            models.Index(fields=["run", "unit_name"], name="finding_run_unit"),
            models.Index(fields=["key"], name="finding_key"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.unit_name} {self.person_name}"


class FindingReview(models.Model):
    key = models.CharField(max_length=255, unique=True)
    rule = models.CharField("规则", max_length=4)
    id_number = models.CharField("公民身份号码", max_length=40, blank=True)
    unit_name = models.CharField("单位名称", max_length=200, blank=True)
    verdict = models.CharField("核查结论", max_length=16, choices=Verdict.choices)
    note = models.TextField("说明", blank=True)
    # The finding the verdict was given on (its run tells the month).
    finding = models.ForeignKey(
        Finding, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by_id = models.BigIntegerField(null=True, blank=True)
    reviewed_by_name = models.CharField("核查人", max_length=150, blank=True)
    reviewed_at = models.DateTimeField("核查时间")
    handover = models.CharField(
        "移交督查",
        max_length=10,
        choices=HandoverStatus.choices,
        blank=True,
        default="",
    )
    handover_by_name = models.CharField("移交人", max_length=150, blank=True)
    handover_at = models.DateTimeField("移交时间", null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        verbose_name = "比对疑点核查结论"
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=["confirmed", "explained", "false_positive"]),
                name="findingreview_verdict_valid",
            ),
            # An explanation is the point of 「已说明」.
            models.CheckConstraint(
                condition=~Q(verdict="explained") | ~Q(note=""),
                name="findingreview_explained_has_note",
            ),
            # Only confirmed problems are handed over to supervision.
            models.CheckConstraint(
                condition=Q(handover="") | Q(verdict="confirmed"),
                name="findingreview_handover_confirmed",
            ),
        ]
        indexes = [models.Index(fields=["handover"], name="findingreview_handover")]

    def __str__(self) -> str:
        return f"{self.key} {self.verdict}"

"""Import runs (导入任务): one row per uploaded file and what became of it.

Rows are written only by exchange.services (import_run_*). A run is the job's
bookkeeping and the proof that a file was imported: the partial unique
constraint `importrun_committed_once` makes a second committed import of the
same file (same kind, same sha256) impossible in the database itself.

Status (decision): `done` with `commit=True` means the import WROTE data.
A commit-mode run that wrote nothing (errors in an all-or-nothing import, a
duplicate file, no valid row under --valid-only) ends `failed` with the
reason in `message`, so that the same file, once the database is ready for
it (e.g. its units imported), can be committed later. Dry runs end `done`
with `commit=False`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bianzhi.core.actor import Actor


class ImportKind(models.TextChoices):
    UNITS = "units", "机构编制台账"
    ROSTER = "roster", "实名制人员信息"
    OFFQUOTA = "offquota", "编外人员"


class ImportRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"  # created, the job has not started
        RUNNING = "running", "正在处理"  # the job is reading / checking / writing
        DONE = "done", "已完成"  # dry run finished, or the commit wrote data
        FAILED = "failed", "未导入"  # nothing written (errors, duplicate, crash)

    kind = models.CharField("导入类型", max_length=12, choices=ImportKind.choices)
    filename = models.CharField("文件名", max_length=255)
    # Where the uploaded file is kept while the job needs it (web uploads).
    file_path = models.CharField("文件位置", max_length=500, blank=True)
    sha256 = models.CharField("文件SHA-256", max_length=64, db_index=True)
    size = models.BigIntegerField("文件大小（字节）", default=0)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    commit = models.BooleanField("写入数据", default=False)
    valid_only = models.BooleanField("仅导入有效行", default=False)
    accept_excess = models.BooleanField("允许超编导入", default=False)
    rows_total = models.IntegerField("总行数", null=True, blank=True)
    rows_done = models.IntegerField("已处理行数", default=0)
    accepted = models.IntegerField("有效行数", default=0)
    refused = models.IntegerField("错误行数", default=0)
    summary = models.JSONField("汇总", default=dict, blank=True)
    report_path = models.CharField("错误报告", max_length=500, blank=True)
    message = models.TextField("说明", blank=True)
    # The audit batch id of the rows the import wrote (roster: bulk_enroll's).
    batch_id = models.CharField(max_length=64, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_name = models.CharField("导入人", max_length=150, blank=True)
    # The uploader's role assignment, so a background job acts as them.
    created_by_role = models.CharField(max_length=32, blank=True)
    created_by_scope = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "导入任务"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "sha256"],
                condition=Q(status="done", commit=True),
                name="importrun_committed_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="importrun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["units", "roster", "offquota"]),
                name="importrun_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(rows_done__gte=0) & Q(accepted__gte=0) & Q(refused__gte=0),
                name="importrun_counts_nonneg",
            ),
        ]
        indexes = [
            models.Index(fields=["created_by_id", "created_at"], name="importrun_by"),
            models.Index(fields=["status", "created_at"], name="importrun_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def actor(self) -> Actor:
        """The uploader as the Actor the job writes with."""
        return Actor(
            user_id=self.created_by_id,
            name=self.created_by_name,
            role=self.created_by_role or "system",
            scope=self.created_by_scope,
        )

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        """Progress for the page's bar (0–100); unknown totals show 0 until done."""
        if self.is_finished:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))

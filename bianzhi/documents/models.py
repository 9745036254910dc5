"""Issued documents, their serial-number counters, and uploaded attachments."""

from __future__ import annotations

from django.db import models


class DocumentKind(models.TextChoices):
    APPROVAL_FORM = "approval_form", "编制使用审批表"
    PERMIT = "permit", "用编核准通知书"
    ENROLLMENT_NOTICE = "enrollment_notice", "入编通知"
    STOP_PAY_NOTICE = "stop_pay_notice", "停发工资通知"
    CERTIFICATE = "certificate", "机构编制管理证"


class Document(models.Model):
    """One signed PDF as issued: what verification compares a file against.

    The subject is plain (type + id) so that documents can point at approval
    requests, units or filings without importing their apps. `sha256` is of
    the signed file exactly as handed out.
    """

    kind = models.CharField("文书类型", max_length=32, choices=DocumentKind.choices)
    serial = models.CharField("文书编号", max_length=40, unique=True)
    title = models.CharField("标题", max_length=200)
    subject_type = models.CharField("对象类型", max_length=40)
    subject_id = models.PositiveBigIntegerField("对象编号")
    unit = models.ForeignKey(
        "orgs.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="单位",
    )
    # As printed on the document: the unit's name at issue time.
    unit_name = models.CharField("单位名称", max_length=200, blank=True)
    verification_code = models.CharField("验证码", max_length=32, unique=True)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.PositiveIntegerField("字节数")
    file = models.CharField("文件", max_length=300)  # relative to MEDIA_ROOT
    signer = models.CharField("签名方式", max_length=200)
    issued_by_id = models.BigIntegerField("签发人编号", null=True, blank=True)
    issued_by_name = models.CharField("签发人", max_length=100)
    issued_on = models.DateField("文书日期")
    issued_at = models.DateTimeField("签发时间")
    revoked = models.BooleanField("已作废", default=False)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)
    revoked_reason = models.CharField("作废原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id"], name="document_subject_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.title}"


class SerialCounter(models.Model):
    """Last serial number handed out per prefix and year.

    Taken with an UPDATE inside the issuing transaction, so the row stays
    locked until commit and a rolled-back issue gives its number back: the
    register has no gaps (ARCHITECTURE.md: counters, never count-then-insert).
    """

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year"], name="serialcounter_prefix_year_uniq"
            ),
        ]


class Attachment(models.Model):
    """An uploaded file (argumentation material, proofs) stored under MEDIA_ROOT."""

    owner_type = models.CharField("所属对象类型", max_length=40)
    owner_id = models.PositiveBigIntegerField("所属对象编号")
    filename = models.CharField("文件名", max_length=255)
    file_type = models.CharField("文件类型", max_length=10)
    size = models.PositiveBigIntegerField("字节数")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    path = models.CharField("存储路径", max_length=300)  # relative to MEDIA_ROOT
    uploaded_by_id = models.BigIntegerField("上传人编号", null=True, blank=True)
    uploaded_by_name = models.CharField("上传人", max_length=100)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["uploaded_at", "id"]
        indexes = [
            models.Index(
                fields=["owner_type", "owner_id"], name="attachment_owner_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.filename

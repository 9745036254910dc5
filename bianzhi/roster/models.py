"""The real-name roster (实名制, DOMAIN §3.3–3.5): persons, postings,
appointments, secondments, off-quota staff and retirement exceptions.

Only roster services write these rows (they also move the quota counters).
Periods are half-open: a posting (appointment, secondment …) is in force on D
when start_date <= D and (end_date is null or D < end_date), so a transfer
that ends one posting and starts the next on the same day never counts the
person twice.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from bianzhi.orgs.models import InternalBody, Unit
from bianzhi.quota.models import LeaderKind, LeaderLevel, LeaderPostScope, QuotaAccount

from .values import (
    Channel,
    EmploymentForm,
    FundingSource,
    Gender,
    Identity,
    PostType,
    ReleaseReason,
    RetirementExceptionKind,
    ValueSetValidator,
)


class Person(models.Model):
    """人员, identified by the 18-character 公民身份号码.

    birth_date is the ID's; certified_birth_date is the one ages are computed
    from — equal by default, different only with a certified basis (DOMAIN
    §3.4). Locked fields (name, id_number, identity, certified birth date,
    work start date) change only through the office's locked-field service.
    """

    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=50)
    # 拼音首字母 for search (张三 → zs); filled by the services.
    name_pinyin_initials = models.CharField(max_length=50, blank=True, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期（身份证）")
    certified_birth_date = models.DateField("认定出生日期")
    certified_basis = models.CharField("出生日期认定依据", max_length=200, blank=True)
    ethnicity = models.CharField(
        "民族", max_length=2, validators=[ValueSetValidator("ethnicity")]
    )
    political_status = models.CharField(
        "政治面貌", max_length=2, validators=[ValueSetValidator("political_status")]
    )
    education = models.CharField(
        "学历", max_length=20, validators=[ValueSetValidator("education")]
    )
    degree = models.CharField(
        "学位", max_length=10, blank=True, validators=[ValueSetValidator("degree")]
    )
    major = models.CharField("专业", max_length=100, blank=True)
    identity = models.CharField("人员身份", max_length=20, choices=Identity.choices)
    position_title = models.CharField("职务", max_length=100, blank=True)
    rank = models.CharField(
        "职级", max_length=24, blank=True, validators=[ValueSetValidator("rank")]
    )
    # Required for institution staff (管理/专技/工勤技能); decides, for women,
    # which retirement table applies.
    post_type = models.CharField(
        "岗位类型", max_length=16, choices=PostType.choices, blank=True
    )
    work_start_date = models.DateField("参加工作时间")
    phone = models.CharField("联系电话", max_length=30, blank=True)
    remarks = models.TextField("备注", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "人员"
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("id_number"), 18), name="person_id_number_18"
            ),
            models.CheckConstraint(
                condition=Q(gender__in=Gender.values), name="person_gender_valid"
            ),
            models.CheckConstraint(
                condition=Q(identity__in=Identity.values), name="person_identity_valid"
            ),
            # A certified birth date other than the ID's needs its basis.
            models.CheckConstraint(
                condition=Q(certified_birth_date=F("birth_date"))
                | ~Q(certified_basis=""),
                name="person_certified_birth_date_basis",
            ),
            models.CheckConstraint(
                condition=~Q(identity=Identity.INSTITUTION_STAFF) | ~Q(post_type=""),
                name="person_institution_staff_post_type",
            ),
        ]
        indexes = [
            # By name (search, sorting) and name + birth date (the duplicate
            # finder groups on both without a sort; roster/suspicious.py).
            models.Index(
                fields=["name", "certified_birth_date"], name="person_name_birth_idx"
            ),
            # Roster search (roster/search.py): age bands are birth-date ranges;
            # the value filters read their index up to the count cap.
            models.Index(fields=["certified_birth_date"], name="person_birth_idx"),
            models.Index(fields=["education"], name="person_education_idx"),
            models.Index(fields=["rank"], name="person_rank_idx"),
            models.Index(fields=["identity"], name="person_identity_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class MoveKind(models.TextChoices):
    ENROLL = "enroll", "入编"
    TRANSFER = "transfer", "调动"
    POSTING_MOVE = "posting_move", "整建制划转"  # exempt from intake checks
    CONVERSION = "conversion", "编制性质/经费形式调整"
    INITIAL_LOAD = "initial_load", "初始化导入"


class PostingEnd(models.TextChoices):
    RELEASE = "release", "出编"
    TRANSFER = "transfer", "调动"
    POSTING_MOVE = "posting_move", "整建制划转"
    CONVERSION = "conversion", "编制性质/经费形式调整"


class IntakeResource(models.TextChoices):
    VACANCY = "vacancy", "空编"
    PERMIT_RESERVATION = "permit_reservation", "用编核准预留"
    CREDIT = "credit", "出N进一额度"
    EXEMPT = "exempt", "免于进人检查"  # posting moves, conversions


class Posting(models.Model):
    """在编: a person in one slot of one quota account, [start_date, end_date).

    `unit` duplicates account.unit for the per-unit queries at 200,000 persons;
    clean() and the services keep them equal.
    """

    person = models.ForeignKey(Person, models.PROTECT, related_name="postings")
    account = models.ForeignKey(QuotaAccount, models.PROTECT, related_name="postings")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="postings")
    start_date = models.DateField("入编日期")
    end_date = models.DateField("出编日期", null=True, blank=True)
    move_kind = models.CharField("入编方式", max_length=16, choices=MoveKind.choices)
    # Blank for posting moves and conversions, which continue an earlier posting.
    channel = models.CharField(
        "进入方式", max_length=24, choices=Channel.choices, blank=True
    )
    permit_ref = models.CharField("用编核准编号", max_length=60, blank=True)
    doc_no = models.CharField("文号", max_length=80, blank=True)
    approval_ref = models.CharField("逆向流动特别审批依据", max_length=120, blank=True)
    intake_resource = models.CharField(
        "占用额度", max_length=20, choices=IntakeResource.choices, blank=True
    )
    entered_unit_on = models.DateField("进入本单位时间")
    previous = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="next"
    )
    ended_by = models.CharField(
        "结束方式", max_length=16, choices=PostingEnd.choices, blank=True
    )
    end_reason = models.CharField(
        "出编原因", max_length=24, choices=ReleaseReason.choices, blank=True
    )
    end_doc_no = models.CharField("出编文号", max_length=80, blank=True)
    end_proof = models.CharField("出编证明", max_length=200, blank=True)
    end_filed_on = models.DateField("出编备案日期", null=True, blank=True)
    # Initial load of a person already past their retirement date (DOMAIN §3.4).
    flagged_past_retirement = models.BooleanField("已过退休时间", default=False)
    # Release filed more than 10 working days after the exit date.
    late_release = models.BooleanField("逾期出编备案", default=False)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = "在编记录"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(end_date__isnull=True),
                name="posting_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="posting_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=False)
                | (Q(ended_by="") & Q(end_reason="") & Q(late_release=False)),
                name="posting_active_has_no_end",
            ),
            models.CheckConstraint(
                condition=~Q(ended_by=PostingEnd.RELEASE) | ~Q(end_reason=""),
                name="posting_release_has_reason",
            ),
        ]
        indexes = [
            # Occupancy per account today, and as of a date.
            models.Index(
                fields=["account"],
                condition=Q(end_date__isnull=True),
                name="posting_active_by_account",
            ),
            models.Index(
                fields=["account", "start_date", "end_date"],
                name="posting_account_period",
            ),
            models.Index(
                fields=["unit"],
                condition=Q(end_date__isnull=True),
                name="posting_active_by_unit",
            ),
            models.Index(fields=["unit", "start_date"], name="posting_unit_start"),
            models.Index(fields=["person", "start_date"], name="posting_person_start"),
            models.Index(fields=["end_date", "end_reason"], name="posting_end_reason"),
            # Roster search: entry year, and sorting by 进入本单位时间.
            models.Index(fields=["entered_unit_on"], name="posting_entered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.account_id} {self.start_date}–{self.end_date or ''}"

    def clean(self) -> None:
        if self.account_id and self.unit_id and self.account.unit_id != self.unit_id:
            raise ValidationError({"unit": "在编单位须与编制账户所属单位一致"})

    @property
    def is_active(self) -> bool:
        return self.end_date is None


class Appointment(models.Model):
    """职数使用: a person holding a leader post counted against LeaderPostQuota.

    (scope, internal_body, level, kind) are the keys of quota.LeaderPostQuota.
    """

    person = models.ForeignKey(Person, models.PROTECT, related_name="appointments")
    posting = models.ForeignKey(Posting, models.PROTECT, related_name="appointments")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="appointments")
    scope = models.CharField(max_length=16, choices=LeaderPostScope.choices)
    internal_body = models.ForeignKey(
        InternalBody,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    level = models.CharField("职务层次", max_length=12, choices=LeaderLevel.choices)
    kind = models.CharField("正副职", max_length=8, choices=LeaderKind.choices)
    title = models.CharField("职务名称", max_length=100)
    start_date = models.DateField("任职日期")
    end_date = models.DateField("免职日期", null=True, blank=True)
    doc_no = models.CharField("任职文号", max_length=80)
    end_doc_no = models.CharField("免职文号", max_length=80, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit_id", "start_date", "id"]
        verbose_name = "领导职务任职"
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="internal_body") & Q(internal_body__isnull=False))
                | (~Q(scope="internal_body") & Q(internal_body__isnull=True)),
                name="appointment_body_matches_scope",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="appointment_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "scope", "internal_body", "level", "kind"],
                condition=Q(end_date__isnull=True),
                name="appointment_active_by_post",
            ),
            models.Index(fields=["unit", "start_date"], name="appointment_unit_start"),
            models.Index(fields=["person", "start_date"], name="appointment_person"),
        ]

    def __str__(self) -> str:
        return self.title


class Secondment(models.Model):
    """借调: office-approved period in a host unit; the posting does not move."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="secondments")
    host_unit = models.ForeignKey(Unit, models.PROTECT, related_name="secondees")
    start_date = models.DateField("借调开始日期")
    end_date = models.DateField("借调结束日期")
    # Set when a secondment ends before its approved end.
    ended_on = models.DateField("实际结束日期", null=True, blank=True)
    doc_no = models.CharField("审批文号", max_length=80)
    reason = models.TextField("借调事由", blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = "借调"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="secondment_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("start_date")),
                name="secondment_ended_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "start_date"], name="secondment_person"),
            models.Index(fields=["host_unit", "end_date"], name="secondment_host"),
        ]


class OffQuotaStaff(models.Model):
    """编外人员: never occupy quota; in fiscally-supported headcount when paid
    from public funds."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="off_quota_staff")
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("公民身份号码", max_length=18)
    employment_form = models.CharField(
        "用工形式", max_length=12, choices=EmploymentForm.choices
    )
    funding_source = models.CharField(
        "经费来源", max_length=8, choices=FundingSource.choices
    )
    position = models.CharField("岗位", max_length=100, blank=True)
    start_date = models.DateField("起始日期")
    end_date = models.DateField("终止日期", null=True, blank=True)
    end_reason = models.CharField("终止原因", max_length=200, blank=True)
    remarks = models.TextField("备注", blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit_id", "start_date", "id"]
        verbose_name = "编外人员"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "id_number"],
                condition=Q(end_date__isnull=True),
                name="offquota_one_active_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="offquota_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Exact(Length("id_number"), 18), name="offquota_id_number_18"
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "funding_source"],
                condition=Q(end_date__isnull=True),
                name="offquota_active_by_unit",
            ),
            models.Index(fields=["id_number"], name="offquota_id_number"),
        ]


class RetirementException(models.Model):
    """A recorded exception to the base retirement date (DOMAIN §3.5).

    Satisfies retirement.RetirementAdjustment. In force from effective_from
    until ended_on (exclusive), e.g. when a flexible-delay agreement ends.
    """

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="retirement_exceptions"
    )
    kind = models.CharField(
        "情形", max_length=30, choices=RetirementExceptionKind.choices
    )
    doc_no = models.CharField("文号", max_length=80)
    # Months of extension beyond the statutory date; empty for the 60-year rule.
    months = models.PositiveSmallIntegerField("延长月数", null=True, blank=True)
    effective_from = models.DateField("生效日期")
    ended_on = models.DateField("终止日期", null=True, blank=True)
    basis = models.TextField("依据说明", blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_id", "effective_from", "id"]
        verbose_name = "退休例外情形"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=RetirementExceptionKind.SENIOR_FEMALE_CADRE_60)
                    & Q(months__isnull=True)
                )
                # months IS NOT NULL spelled out: a NULL comparison would
                # leave the CHECK unknown, which SQL lets pass.
                | (
                    Q(kind=RetirementExceptionKind.FLEXIBLE_DELAY)
                    & Q(months__isnull=False)
                    & Q(months__gte=1)
                    & Q(months__lte=36)
                )
                | (
                    Q(kind=RetirementExceptionKind.SENIOR_EXPERT_EXTENSION)
                    & Q(months__isnull=False)
                    & Q(months__gte=1)
                    & Q(months__lte=120)
                ),
                name="retirementexception_months_fit_kind",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(ended_on__gte=F("effective_from")),
                name="retirementexception_dates_ordered",
            ),
        ]


class LockedField(models.TextChoices):
    """The locked person fields a unit may ask the office to change (DOMAIN §3.4)."""

    NAME = "name", "姓名"
    ID_NUMBER = "id_number", "公民身份号码"
    IDENTITY = "identity", "人员身份"
    # new_value is the date; extra["certified_basis"] carries the basis.
    CERTIFIED_BIRTH_DATE = "certified_birth_date", "认定出生日期"
    WORK_START_DATE = "work_start_date", "参加工作时间"
    # The occupied account: an in-unit transfer with every intake check.
    ACCOUNT = "account", "占用编制"


class FieldChangeStatus(models.TextChoices):
    PENDING = "pending", "待审核"  # waiting for the office
    APPROVED = "approved", "已批准"  # applied to the roster in the same transaction
    REFUSED = "refused", "已驳回"  # the office refused, with a note
    WITHDRAWN = "withdrawn", "已撤回"  # the requester took it back before a decision


class FieldChangeRequest(models.Model):
    """信息变更申请: a unit's request to change one locked field of a person.

    Only the office decides; approval applies the change through the
    locked-field service (or the in-unit transfer for `account`), so every rule
    is checked again at decision time. Actor ids/names are copied, not foreign
    keys, like the audit log: the record must survive user changes.
    """

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="field_change_requests"
    )
    # The unit whose HR asked (the person's unit at request time).
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="field_change_requests")
    field = models.CharField("变更项目", max_length=24, choices=LockedField.choices)
    old_value = models.CharField("原值", max_length=200, blank=True)
    # For `account`: the target QuotaAccount id.
    new_value = models.CharField("申请值", max_length=200)
    # e.g. {"certified_basis": "..."} or {"doc_no": "..."}.
    extra = models.JSONField("附加信息", default=dict, blank=True)
    reason = models.TextField("申请理由")
    status = models.CharField(
        "状态",
        max_length=12,
        choices=FieldChangeStatus.choices,
        default=FieldChangeStatus.PENDING,
    )
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    requested_by_name = models.CharField("申请人", max_length=150, blank=True)
    requested_at = models.DateTimeField("申请时间")
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_by_name = models.CharField("审核人", max_length=150, blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_note = models.TextField("审核意见", blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "信息变更申请"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "field"],
                condition=Q(status="pending"),
                name="fieldchangerequest_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status__in=FieldChangeStatus.values),
                name="fieldchangerequest_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(field__in=LockedField.values),
                name="fieldchangerequest_field_valid",
            ),
            # A refusal always carries the office's note.
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(decision_note=""),
                name="fieldchangerequest_refusal_has_note",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="fieldchange_unit_status"),
            models.Index(fields=["status", "requested_at"], name="fieldchange_status"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.field} {self.status}"

"""Regions, units, internal bodies, mandates (三定) and agency caps (DOMAIN §3.1).

Current state lives on the rows; every change is also a UnitChange with its
effective date, doc_no and before/after values, so lineage (历史沿革) and the
state as of any date are queries (see selectors.unit_as_of).
"""

from django.db import models
from django.db.models import Q


class Region(models.Model):
    """A GB/T 2260 region with its own ledger. Townships/streets are units."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"

    class OverQuotaPolicy(models.TextChoices):
        NONE = "none", "超编单位不得进人"  # default (DOMAIN §3.4)
        N_OUT_1_IN = "n_out_1_in", "出N进一"

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children"
    )
    over_quota_policy = models.CharField(
        "超编进人政策",
        max_length=12,
        choices=OverQuotaPolicy.choices,
        default=OverQuotaPolicy.NONE,
    )
    releases_per_intake = models.PositiveSmallIntegerField("出N进一的N", default=1)
    # True for codes not in the national table (a demo or test region).
    is_local = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(releases_per_intake__gte=1),
                name="region_releases_per_intake_min1",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class UnitKind(models.TextChoices):
    PARTY_DEPT = "party_dept", "党委部门"
    GOV_DEPT = "gov_dept", "政府部门"
    NPC = "npc", "人大机关"
    CPPCC = "cppcc", "政协机关"
    COURT = "court", "审判机关"
    PROCURATORATE = "procuratorate", "检察机关"
    MASS_ORG = "mass_org", "群团机关"
    DEMOCRATIC_PARTY = "democratic_party", "民主党派机关"
    INSTITUTION = "institution", "事业单位"
    PARK = "park", "园区"
    TOWNSHIP = "township", "乡镇"
    STREET = "street", "街道"
    COORDINATION = "coordination", "议事协调机构"


class UnitRank(models.TextChoices):
    MINISTER = "minister", "正部"
    VICE_MINISTER = "vice_minister", "副部"
    BUREAU = "bureau", "正厅"
    VICE_BUREAU = "vice_bureau", "副厅"
    DIVISION = "division", "正处"
    VICE_DIVISION = "vice_division", "副处"
    SECTION = "section", "正科"
    VICE_SECTION = "vice_section", "副科"
    STOCK = "stock", "股级"
    UNRANKED = "unranked", "未定级"


class InstitutionClass(models.TextChoices):
    ADMINISTRATIVE = "administrative", "承担行政职能"
    PUBLIC_WELFARE_1 = "public_welfare_1", "公益一类"
    PUBLIC_WELFARE_2 = "public_welfare_2", "公益二类"
    BUSINESS = "business", "从事生产经营活动"


# GB/T 4754-2017 sections (行业门类), for institutions.
SECTORS = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业", "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
    "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业", "P": "教育",
    "Q": "卫生和社会工作", "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}  # fmt: skip

IN_CAP_KINDS = (UnitKind.PARTY_DEPT, UnitKind.GOV_DEPT)
CS_MANAGED_KINDS = (UnitKind.INSTITUTION, UnitKind.MASS_ORG)


class Unit(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "存续"
        REVOKED = "revoked", "已撤销"
        MERGED = "merged", "已合并"

    name = models.CharField("单位名称", max_length=120)
    short_name = models.CharField("单位简称", max_length=60, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    region = models.ForeignKey(Region, models.PROTECT, related_name="units")
    kind = models.CharField("机构类别", max_length=20, choices=UnitKind.choices)
    rank = models.CharField("机构规格", max_length=16, choices=UnitRank.choices)
    institution_class = models.CharField(
        "事业单位类别", max_length=20, choices=InstitutionClass.choices, blank=True
    )
    sector = models.CharField("行业", max_length=1, blank=True)
    civil_service_managed = models.BooleanField("参照公务员法管理", default=False)
    in_cap = models.BooleanField("计入机构限额", default=False)
    # 主管部门 for institutions; the parent unit in the tree.
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级单位（主管部门）",
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="merged_units"
    )
    established_on = models.DateField("设立日期")
    established_doc_no = models.CharField("设立文号", max_length=80)
    revoked_on = models.DateField("撤销日期", null=True, blank=True)
    revoked_doc_no = models.CharField("撤销文号", max_length=80, blank=True)

    class Meta:
        ordering = ["region_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~Q(uscc=""), name="unit_uscc_unique"
            ),
            models.UniqueConstraint(
                fields=["region", "name"],
                condition=Q(status="active"),
                name="unit_active_name_unique_in_region",
            ),
            models.CheckConstraint(
                condition=Q(in_cap=False) | Q(kind__in=IN_CAP_KINDS),
                name="unit_in_cap_kind",
            ),
            models.CheckConstraint(
                condition=Q(civil_service_managed=False) | Q(kind__in=CS_MANAGED_KINDS),
                name="unit_cs_managed_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="coordination") | Q(uscc=""),
                name="unit_coordination_no_uscc",
            ),
        ]
        indexes = [models.Index(fields=["region", "kind", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class UnitChange(models.Model):
    """A change record of a unit (the certificate's 变更记录 and the lineage).

    `before` / `after` hold only the fields the change touched, so the state as
    of any date is the current state with later changes undone.
    """

    class Kind(models.TextChoices):
        ESTABLISH = "establish", "设立"
        RENAME = "rename", "更名"
        CHANGE_RANK = "change_rank", "调整规格"
        CHANGE_ATTRIBUTES = "change_attributes", "调整属性"
        INTERNAL_BODY_ADD = "internal_body_add", "增设内设机构"
        INTERNAL_BODY_REMOVE = "internal_body_remove", "撤销内设机构"
        MANDATE = "mandate", "三定规定"
        REVOKE = "revoke", "撤销"
        MERGE = "merge", "合并"

    class Status(models.TextChoices):
        APPLIED = "applied", "已生效"
        PENDING = "pending", "待生效"  # future-dated; applied by `bianzhi daily`
        FLAGGED = "flagged", "未能生效"  # fell due but would now break a rule

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    effective_date = models.DateField("生效日期")
    doc_no = models.CharField("文号", max_length=80)
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor_name = models.CharField(max_length=150, blank=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.APPLIED
    )
    flag_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["effective_date", "id"]
        indexes = [models.Index(fields=["unit", "effective_date"])]


class InternalBody(models.Model):
    class Rank(models.TextChoices):
        DIVISION = "division", "正处"
        VICE_DIVISION = "vice_division", "副处"
        SECTION = "section", "正科"
        VICE_SECTION = "vice_section", "副科"
        STOCK = "stock", "股级"
        UNRANKED = "unranked", "未定级"

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="internal_bodies")
    name = models.CharField("内设机构名称", max_length=80)
    rank = models.CharField(
        "规格", max_length=16, choices=Rank.choices, default=Rank.SECTION
    )
    established_on = models.DateField("设立日期")
    established_doc_no = models.CharField(max_length=80)
    abolished_on = models.DateField("撤销日期", null=True, blank=True)
    abolished_doc_no = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["unit_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"],
                condition=Q(abolished_on__isnull=True),
                name="internalbody_active_name_unique",
            ),
            models.CheckConstraint(
                condition=Q(abolished_on__isnull=True)
                | Q(abolished_on__gte=models.F("established_on")),
                name="internalbody_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Mandate(models.Model):
    """One version of a unit's 三定规定 (functions, internal bodies, staffing)."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="mandates")
    effective_date = models.DateField("生效日期")
    doc_no = models.CharField("文号", max_length=80)
    functions = models.TextField("主要职责", blank=True)
    internal_bodies_approved = models.PositiveSmallIntegerField("核定内设机构数")
    staffing_note = models.TextField("人员编制说明", blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit_id", "effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "effective_date"], name="mandate_one_per_date"
            )
        ]


class AgencyCap(models.Model):
    """机构限额 of a region's party and government organs, effective-dated."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="agency_caps")
    cap = models.PositiveSmallIntegerField("机构限额")
    effective_date = models.DateField("生效日期")
    doc_no = models.CharField("文号", max_length=80)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_id", "effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "effective_date"], name="agencycap_one_per_date"
            )
        ]

"""Every office form: its inputs, its live numbers and the one service it calls.

The run functions live in runs.py; this module is the catalogue.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from bianzhi.core.roles import Permission
from bianzhi.orgs.models import (
    SECTORS,
    InstitutionClass,
    InternalBody,
    UnitKind,
    UnitRank,
)
from bianzhi.quota.models import LeaderKind, LeaderLevel, LeaderPostScope

from . import numbers, runs
from .forms import Field, Operation
from .roster_ops import ROSTER_OPERATIONS

ORGS = Permission.MANAGE_ORGS
QUOTA = Permission.MANAGE_QUOTA

SECTOR_CHOICES = tuple((k, f"{k} {v}") for k, v in SECTORS.items())

# Inputs shared by many forms.
DOC_NO = Field(
    "doc_no", gettext_noop("文号"), "doc_no", help=gettext_noop("例如 济编〔2024〕12号")
)
EFFECTIVE = Field("effective_date", gettext_noop("生效日期"), "date")
REASON = Field("reason", gettext_noop("理由"), "textarea", required=False,
               help=gettext_noop("追溯（生效日期早于今天）时必填"))  # fmt: skip
UNIT = Field("unit", gettext_noop("单位"), "unit")
# Choosing the unit reloads the form: its choices or initial values depend on it.
UNIT_REFRESH = Field("unit", gettext_noop("单位"), "unit", refresh=True)
REGION = Field("region", gettext_noop("行政区划"), "region")
CATEGORY = Field("category", gettext_noop("编制类型"), "category")
FUNDING = Field("funding", gettext_noop("经费形式"), "funding")
AMOUNT = Field("amount", gettext_noop("数量（名）"), "amount")
REFORM = Field(
    "reform",
    gettext_noop("改革核减（可核减至已用数以下，须编办领导及以上决定）"),
    "bool",
    required=False,
)
APPROVAL_REF = Field("approval_ref", gettext_noop("审批依据"), required=False)


# -- the catalogue -------------------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "unit_establish", gettext_noop("设立机构"), "orgs", ORGS,
        (
            Field("region", gettext_noop("行政区划"), "region", refresh=False),
            Field("name", gettext_noop("单位名称")),
            Field("short_name", gettext_noop("单位简称"), required=False),
            Field("kind", gettext_noop("机构类别"), "choice", choices=tuple(UnitKind.choices)),
            Field("rank", gettext_noop("机构规格"), "choice", choices=tuple(UnitRank.choices)),
            Field("parent", gettext_noop("上级单位（主管部门）"), "parent", required=False),
            Field("uscc", gettext_noop("统一社会信用代码"), required=False, help=gettext_noop("待登记时可暂不填")),
            Field("institution_class", gettext_noop("事业单位类别"), "choice", required=False,
                  choices=tuple(InstitutionClass.choices)),
            Field("sector", gettext_noop("行业"), "choice", required=False, choices=SECTOR_CHOICES),
            Field("civil_service_managed", gettext_noop("参照公务员法管理"), "bool", required=False),
            Field("in_cap", gettext_noop("计入机构限额（仅党委部门、政府部门）"), "bool", required=False),
            DOC_NO, EFFECTIVE, REASON,
        ),
        runs.run_establish, numbers.for_establish,
        gettext_noop("新设机构须引用设立文号；计入机构限额的党政机构不得超出本级机构限额。"),
    ),
    Operation(
        "unit_rename", gettext_noop("机构更名"), "orgs", ORGS,
        (UNIT, Field("name", gettext_noop("新名称")),
         Field("short_name", gettext_noop("新简称"), required=False, help=gettext_noop("留空则不变")),
         DOC_NO, EFFECTIVE, REASON),
        runs.run_rename, numbers.for_unit_state,
    ),
    Operation(
        "unit_change_rank", gettext_noop("调整机构规格"), "orgs", ORGS,
        (UNIT, Field("rank", gettext_noop("新规格"), "choice", choices=tuple(UnitRank.choices)),
         DOC_NO, EFFECTIVE, REASON),
        runs.run_change_rank, numbers.for_unit_state,
    ),
    Operation(
        "unit_change_attributes", gettext_noop("调整机构属性"), "orgs", ORGS,
        (
            UNIT_REFRESH,
            Field("parent", gettext_noop("上级单位（主管部门）"), "parent", required=False),
            Field("institution_class", gettext_noop("事业单位类别"), "choice", required=False,
                  choices=tuple(InstitutionClass.choices)),
            Field("sector", gettext_noop("行业"), "choice", required=False, choices=SECTOR_CHOICES),
            Field("civil_service_managed", gettext_noop("参照公务员法管理"), "bool", required=False),
            Field("in_cap", gettext_noop("计入机构限额"), "bool", required=False),
            Field("short_name", gettext_noop("单位简称"), required=False),
            Field("uscc", gettext_noop("统一社会信用代码"), required=False),
            DOC_NO, EFFECTIVE, REASON,
        ),
        runs.run_change_attributes, numbers.for_unit_state,
        gettext_noop("选择单位后自动填入现有属性；只提交改动的项目。"),
        prefill=runs.attribute_prefill,
    ),
    Operation(
        "internal_body_add", gettext_noop("增设内设机构"), "orgs", ORGS,
        (UNIT, Field("name", gettext_noop("内设机构名称")),
         Field("rank", gettext_noop("规格"), "choice", choices=tuple(InternalBody.Rank.choices)),
         DOC_NO, EFFECTIVE),
        runs.run_body_add, numbers.for_bodies,
    ),
    Operation(
        "internal_body_remove", gettext_noop("撤销内设机构"), "orgs", ORGS,
        (UNIT_REFRESH, Field("internal_body", gettext_noop("内设机构"), "body"), DOC_NO, EFFECTIVE),
        runs.run_body_remove, numbers.for_bodies,
    ),
    Operation(
        "mandate_set", gettext_noop("录入三定规定"), "orgs", ORGS,
        (UNIT, Field("internal_bodies_approved", gettext_noop("核定内设机构数"), "count"),
         Field("functions", gettext_noop("主要职责"), "textarea", required=False),
         Field("staffing_note", gettext_noop("人员编制说明"), "textarea", required=False),
         DOC_NO, EFFECTIVE),
        runs.run_mandate, numbers.for_bodies,
    ),
    Operation(
        "agency_cap_set", gettext_noop("设定机构限额"), "orgs", ORGS,
        (REGION, Field("cap", gettext_noop("机构限额（个）"), "count"), DOC_NO, EFFECTIVE, REASON),
        runs.run_agency_cap, numbers.for_cap,
    ),
    Operation(
        "leader_posts_set", gettext_noop("核定领导职数"), "orgs", ORGS,
        (
            UNIT_REFRESH,
            Field("scope", gettext_noop("职数范围"), "choice", choices=tuple(LeaderPostScope.choices)),
            Field("internal_body", gettext_noop("内设机构（按内设机构核定时）"), "body", required=False),
            Field("level", gettext_noop("职务层次"), "choice", choices=tuple(LeaderLevel.choices)),
            Field("kind", gettext_noop("正副职"), "choice", choices=tuple(LeaderKind.choices)),
            Field("count", gettext_noop("职数"), "count"),
            DOC_NO, EFFECTIVE, REASON,
        ),
        runs.run_leader_posts, numbers.for_leader_posts,
    ),
    Operation(
        "quota_grant", gettext_noop("核定编制（未分配→单位）"), "quota", QUOTA,
        (UNIT, CATEGORY, FUNDING, AMOUNT, DOC_NO, EFFECTIVE, REASON, APPROVAL_REF),
        runs.run_grant, numbers.for_grant,
    ),
    Operation(
        "quota_recall", gettext_noop("收回编制（单位→未分配）"), "quota", QUOTA,
        (UNIT, CATEGORY, FUNDING, AMOUNT, DOC_NO, EFFECTIVE, REASON, REFORM),
        runs.run_recall, numbers.for_unit_account, gettext_noop("只能收回空编；改革核减除外。"),
    ),
    Operation(
        "quota_transfer", gettext_noop("划转编制（单位→单位）"), "quota", QUOTA,
        (Field("source_unit", gettext_noop("划出单位"), "unit"), Field("target_unit", gettext_noop("划入单位"), "unit"),
         CATEGORY, FUNDING, AMOUNT, DOC_NO, EFFECTIVE, REASON, REFORM),
        runs.run_transfer, numbers.for_transfer,
    ),
    Operation(
        "quota_pool_fund", gettext_noop("注入周转池"), "quota", QUOTA,
        (REGION, CATEGORY, FUNDING, AMOUNT, DOC_NO, EFFECTIVE, REASON),
        runs.run_pool_fund, numbers.for_region,
    ),
    Operation(
        "quota_pool_defund", gettext_noop("周转池收回"), "quota", QUOTA,
        (REGION, CATEGORY, FUNDING, AMOUNT, DOC_NO, EFFECTIVE, REASON, REFORM),
        runs.run_pool_defund, numbers.for_region,
    ),
    Operation(
        "quota_loan", gettext_noop("借出周转编制"), "quota", QUOTA,
        (UNIT, CATEGORY, FUNDING, AMOUNT,
         Field("due_date", gettext_noop("归还期限"), "optional_date", required=False,
               help=gettext_noop("留空按默认期限（12个月）")),
         DOC_NO, EFFECTIVE, REASON),
        runs.run_loan, numbers.for_loan,
    ),
    Operation(
        "quota_return", gettext_noop("归还周转编制"), "quota", QUOTA,
        (Field("loan", gettext_noop("借用记录"), "loan"), AMOUNT, DOC_NO, EFFECTIVE, REASON, REFORM),
        runs.run_return, numbers.for_return,
    ),
    Operation(
        "quota_increase_total", gettext_noop("核增编制总量（上级→本级）"), "quota", QUOTA,
        (REGION, CATEGORY, FUNDING, AMOUNT, DOC_NO, EFFECTIVE, REASON),
        runs.run_increase_total, numbers.for_region, gettext_noop("须引用上级机关文号。"),
    ),
    Operation(
        "quota_write_off", gettext_noop("核销编制（本级→上级）"), "quota", QUOTA,
        (REGION, CATEGORY, FUNDING, AMOUNT, DOC_NO, EFFECTIVE, REASON, REFORM),
        runs.run_write_off, numbers.for_region,
    ),
    Operation(
        "quota_transfer_between_regions", gettext_noop("跨区划划转编制"), "quota", QUOTA,
        (Field("source_region", gettext_noop("划出区划"), "region"),
         Field("target_region", gettext_noop("划入区划"), "region"),
         CATEGORY, FUNDING, AMOUNT, DOC_NO, EFFECTIVE, REASON),
        runs.run_cross_region, numbers.for_cross_region,
        gettext_noop("同一文号下记为划出区划的核销和划入区划的核增。"),
    ),
    Operation(
        "quota_conversion", gettext_noop("编制性质/经费形式调整"), "quota", QUOTA,
        (UNIT,
         Field("category", gettext_noop("原编制类型"), "category"), Field("funding", gettext_noop("原经费形式"), "funding"),
         Field("to_category", gettext_noop("调整为编制类型"), "category"),
         Field("to_funding", gettext_noop("调整为经费形式"), "funding"),
         AMOUNT, DOC_NO, EFFECTIVE, REASON,
         Field("approval_ref", gettext_noop("特别审批依据（逆向调整时必填）"), required=False), REFORM),
        runs.run_conversion, numbers.for_conversion,
    ),
    Operation(
        "movement_reverse", gettext_noop("冲正编制变动"), "quota", QUOTA,
        (Field("movement", gettext_noop("被冲正的变动编号"), "movement"), DOC_NO,
         Field("reason", gettext_noop("冲正理由"), "textarea")),
        runs.run_reverse, numbers.for_reverse,
        gettext_noop("分录只增不改：差错以反向变动冲正。"),
    ),
)  # fmt: skip

# The roster's forms (实名制) are catalogued in roster_ops.py (group "roster").
ALL_OPERATIONS = OPERATIONS + ROSTER_OPERATIONS
BY_SLUG = {op.slug: op for op in ALL_OPERATIONS}

"""Request bodies: shape only (types, required keys). Rules live in services."""

from __future__ import annotations

from rest_framework import serializers

from bianzhi.orgs.models import InstitutionClass, InternalBody, UnitKind, UnitRank
from bianzhi.quota.models import (
    Funding,
    LeaderKind,
    LeaderLevel,
    LeaderPostScope,
    MovementKind,
)

from .fields import (
    MAX_COUNT,
    DateField,
    DocNoField,
    LabelChoiceField,
    ObjectIdField,
    QuantityField,
)

CROSS_REGION = "cross_region"
MOVEMENT_KINDS = [*MovementKind.choices, (CROSS_REGION, "跨区划划转")]


def _text(label: str, *, required: bool = True, max_length: int | None = None):
    if required:
        return serializers.CharField(label=label, max_length=max_length)
    return serializers.CharField(
        label=label, max_length=max_length, required=False, allow_blank=True
    )


def _doc_no():
    return DocNoField(label="文号")


def _effective_date():
    return DateField(label="生效日期")


def _reason():
    return _text("理由", required=False, max_length=2000)


# -- orgs ----------------------------------------------------------------------


class AgencyCapIn(serializers.Serializer):
    cap = QuantityField(label="机构限额", max_value=MAX_COUNT)
    doc_no = _doc_no()
    effective_date = _effective_date()
    reason = _reason()


class UnitEstablishIn(serializers.Serializer):
    region = serializers.CharField(label="行政区划代码", help_text="6位代码")
    name = _text("单位名称", max_length=120)
    kind = LabelChoiceField(label="机构类别", choices=UnitKind.choices)
    rank = LabelChoiceField(label="机构规格", choices=UnitRank.choices)
    doc_no = _doc_no()
    effective_date = _effective_date()
    short_name = _text("单位简称", required=False, max_length=60)
    uscc = _text("统一社会信用代码", required=False, max_length=30)
    parent = ObjectIdField(
        label="上级单位（主管部门）编号", required=False, allow_null=True
    )
    institution_class = LabelChoiceField(
        label="事业单位类别",
        choices=InstitutionClass.choices,
        required=False,
        allow_blank=True,
    )
    sector = _text("行业门类", required=False, max_length=2)
    civil_service_managed = serializers.BooleanField(
        label="参照公务员法管理", required=False, default=False
    )
    in_cap = serializers.BooleanField(
        label="计入机构限额", required=False, default=False
    )
    reason = _reason()


class UnitRenameIn(serializers.Serializer):
    name = _text("单位名称", max_length=120)
    short_name = serializers.CharField(
        label="单位简称",
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="不传则不变",
    )
    doc_no = _doc_no()
    effective_date = _effective_date()
    reason = _reason()


class UnitChangeRankIn(serializers.Serializer):
    rank = LabelChoiceField(label="机构规格", choices=UnitRank.choices)
    doc_no = _doc_no()
    effective_date = _effective_date()
    reason = _reason()


class AttributeChangesIn(serializers.Serializer):
    """Only the keys present are changed."""

    parent = ObjectIdField(
        label="上级单位（主管部门）编号",
        required=False,
        allow_null=True,
        help_text="null 表示取消上级单位",
    )
    institution_class = LabelChoiceField(
        label="事业单位类别",
        choices=InstitutionClass.choices,
        required=False,
        allow_blank=True,
    )
    sector = _text("行业门类", required=False, max_length=2)
    civil_service_managed = serializers.BooleanField(
        label="参照公务员法管理", required=False
    )
    in_cap = serializers.BooleanField(label="计入机构限额", required=False)
    short_name = _text("单位简称", required=False, max_length=60)
    uscc = _text("统一社会信用代码", required=False, max_length=30)


class UnitChangeAttributesIn(serializers.Serializer):
    changes = AttributeChangesIn(label="调整的属性")
    doc_no = _doc_no()
    effective_date = _effective_date()
    reason = _reason()


class InternalBodyAddIn(serializers.Serializer):
    name = _text("内设机构名称", max_length=80)
    rank = LabelChoiceField(
        label="规格",
        choices=InternalBody.Rank.choices,
        required=False,
        default=InternalBody.Rank.SECTION,
    )
    doc_no = _doc_no()
    effective_date = _effective_date()
    reason = _reason()


class InternalBodyRemoveIn(serializers.Serializer):
    doc_no = _doc_no()
    effective_date = _effective_date()
    reason = _reason()


class MandateIn(serializers.Serializer):
    internal_bodies_approved = QuantityField(
        label="核定内设机构数", allow_zero=True, max_value=MAX_COUNT
    )
    doc_no = _doc_no()
    effective_date = _effective_date()
    functions = _text("主要职责", required=False)
    staffing_note = _text("人员编制说明", required=False)
    reason = _reason()


class LeaderPostsIn(serializers.Serializer):
    scope = LabelChoiceField(label="职数范围", choices=LeaderPostScope.choices)
    level = LabelChoiceField(label="职务层次", choices=LeaderLevel.choices)
    kind = LabelChoiceField(label="正副职", choices=LeaderKind.choices)
    count = QuantityField(label="职数", allow_zero=True, max_value=MAX_COUNT)
    internal_body = ObjectIdField(
        label="内设机构编号",
        required=False,
        allow_null=True,
        help_text="scope=internal_body 时必填",
    )
    doc_no = _doc_no()
    effective_date = _effective_date()
    reason = _reason()


# -- quota movements -----------------------------------------------------------


def _kind(value: str):
    # Dispatch reads `kind` through MovementKindIn; here it only names the
    # variant (the schema's discriminator maps each value to its component).
    return serializers.CharField(label="变动类型", help_text=f"固定为 {value}")


class MovementKindIn(serializers.Serializer):
    kind = LabelChoiceField(label="变动类型", choices=MOVEMENT_KINDS)


class _AmountBase(serializers.Serializer):
    category = serializers.CharField(
        label="编制类型", help_text="编码（administrative …）或名称（行政编制 …）"
    )
    funding = LabelChoiceField(label="经费形式", choices=Funding.choices)
    amount = QuantityField(label="数量")
    doc_no = _doc_no()
    effective_date = _effective_date()
    reason = _reason()


def _reform():
    return serializers.BooleanField(
        label="改革核减",
        required=False,
        default=False,
        help_text="须编办领导角色；可核减至已用数以下，账户标记超编",
    )


def _approval_ref():
    return _text("审批依据", required=False, max_length=120)


def _unit(label: str = "单位编号"):
    return ObjectIdField(label=label)


def _region(label: str = "行政区划代码"):
    return serializers.CharField(label=label)


class GrantIn(_AmountBase):
    kind = _kind(MovementKind.GRANT)
    unit = _unit()
    approval_ref = _approval_ref()


class RecallIn(_AmountBase):
    kind = _kind(MovementKind.RECALL)
    unit = _unit()
    reform = _reform()


class TransferIn(_AmountBase):
    kind = _kind(MovementKind.TRANSFER)
    source_unit = _unit("划出单位编号")
    target_unit = _unit("划入单位编号")
    reform = _reform()


class PoolFundIn(_AmountBase):
    kind = _kind(MovementKind.POOL_FUND)
    region = _region()


class PoolDefundIn(_AmountBase):
    kind = _kind(MovementKind.POOL_DEFUND)
    region = _region()
    reform = _reform()


class LoanIn(_AmountBase):
    kind = _kind(MovementKind.LOAN)
    unit = _unit()
    due_date = DateField(label="归还期限", required=False, allow_null=True)


class ReturnIn(serializers.Serializer):
    kind = _kind(MovementKind.RETURN)
    loan = ObjectIdField(label="借出记录编号")
    amount = QuantityField(label="数量")
    doc_no = _doc_no()
    effective_date = _effective_date()
    reason = _reason()
    reform = _reform()


class IncreaseTotalIn(_AmountBase):
    kind = _kind(MovementKind.INCREASE_TOTAL)
    region = _region()


class WriteOffIn(_AmountBase):
    kind = _kind(MovementKind.WRITE_OFF)
    region = _region()
    reform = _reform()


class ConversionIn(_AmountBase):
    kind = _kind(MovementKind.CONVERSION)
    unit = _unit()
    to_category = serializers.CharField(label="调整后编制类型")
    to_funding = LabelChoiceField(label="调整后经费形式", choices=Funding.choices)
    approval_ref = _approval_ref()
    reform = _reform()


class CrossRegionIn(_AmountBase):
    kind = _kind(CROSS_REGION)
    source_region = _region("划出行政区划代码")
    target_region = _region("划入行政区划代码")


MOVEMENT_INPUTS: dict[str, type[serializers.Serializer]] = {
    MovementKind.GRANT: GrantIn,
    MovementKind.RECALL: RecallIn,
    MovementKind.TRANSFER: TransferIn,
    MovementKind.POOL_FUND: PoolFundIn,
    MovementKind.POOL_DEFUND: PoolDefundIn,
    MovementKind.LOAN: LoanIn,
    MovementKind.RETURN: ReturnIn,
    MovementKind.INCREASE_TOTAL: IncreaseTotalIn,
    MovementKind.WRITE_OFF: WriteOffIn,
    MovementKind.CONVERSION: ConversionIn,
    CROSS_REGION: CrossRegionIn,
}


class MovementReverseIn(serializers.Serializer):
    doc_no = _doc_no()
    reason = _text("理由", max_length=2000)

"""Response shapes. Read-only; they serialize models and the selectors' views."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bianzhi.orgs.models import (
    AgencyCap,
    InternalBody,
    Mandate,
    Region,
    Unit,
    UnitChange,
)
from bianzhi.quota.models import LeaderPostQuota, QuotaMovement


@extend_schema_field(OpenApiTypes.STR)
class CodeField(serializers.Field):
    """A value-set code, whether the object holds the code or a model (category)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        if value is None:
            return None
        return getattr(value, "pk", value) if hasattr(value, "_meta") else str(value)


@extend_schema_field(OpenApiTypes.STR)
class LabelField(serializers.Field):
    """The Chinese label of a value-set code (choices given) or of a model."""

    def __init__(self, choices=None, **kwargs: Any) -> None:
        self.labels = dict(choices or [])
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        if value is None or value == "":
            return ""
        if hasattr(value, "_meta"):
            return str(value)
        return str(self.labels.get(value, value))


class ErrorOut(serializers.Serializer):
    """Every refusal: a stable code (VALUES.md), a Chinese message, the input."""

    code = serializers.CharField(help_text="错误代码，如 QUANTITY_INVALID")
    message = serializers.CharField(help_text="中文说明")
    field = serializers.CharField(required=False, help_text="出错的输入项")
    params = serializers.DictField(required=False)


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
NOT_FOUND = {404: ErrorOut}


class RegionOut(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "level",
            "level_label",
            "parent",
            "is_local",
            "over_quota_policy",
            "releases_per_intake",
        ]


class UnitOut(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    rank_label = serializers.CharField(source="get_rank_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "uscc",
            "region",
            "kind",
            "kind_label",
            "rank",
            "rank_label",
            "institution_class",
            "sector",
            "civil_service_managed",
            "in_cap",
            "parent",
            "status",
            "status_label",
            "merged_into",
            "established_on",
            "established_doc_no",
            "revoked_on",
            "revoked_doc_no",
        ]


class UnitStateOut(serializers.Serializer):
    """orgs.selectors.UnitState: the unit as it stood on `as_of`."""

    id = serializers.IntegerField()
    region = serializers.CharField(source="region_id")
    as_of = serializers.DateField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    uscc = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    rank = serializers.CharField()
    rank_label = serializers.CharField()
    institution_class = serializers.CharField()
    institution_class_label = serializers.CharField()
    sector = serializers.CharField()
    sector_label = serializers.CharField()
    civil_service_managed = serializers.BooleanField()
    in_cap = serializers.BooleanField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    established_on = serializers.DateField()
    established_doc_no = serializers.CharField()
    revoked_on = serializers.DateField(allow_null=True)
    revoked_doc_no = serializers.CharField()


class UnitChangeOut(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = UnitChange
        fields = [
            "id",
            "unit",
            "kind",
            "kind_label",
            "effective_date",
            "doc_no",
            "recorded_at",
            "actor_name",
            "reason",
            "before",
            "after",
            "status",
            "status_label",
            "flag_reason",
        ]


class InternalBodyOut(serializers.ModelSerializer):
    rank_label = serializers.CharField(source="get_rank_display", read_only=True)

    class Meta:
        model = InternalBody
        fields = [
            "id",
            "unit",
            "name",
            "rank",
            "rank_label",
            "established_on",
            "established_doc_no",
            "abolished_on",
            "abolished_doc_no",
        ]


class MandateOut(serializers.ModelSerializer):
    class Meta:
        model = Mandate
        fields = [
            "id",
            "unit",
            "effective_date",
            "doc_no",
            "functions",
            "internal_bodies_approved",
            "staffing_note",
            "recorded_at",
        ]


class AgencyCapOut(serializers.ModelSerializer):
    class Meta:
        model = AgencyCap
        fields = ["id", "region", "cap", "effective_date", "doc_no", "recorded_at"]


class LeaderPostQuotaOut(serializers.ModelSerializer):
    class Meta:
        model = LeaderPostQuota
        fields = [
            "id",
            "unit",
            "scope",
            "internal_body",
            "level",
            "kind",
            "count",
            "effective_date",
            "doc_no",
            "reason",
        ]


class LeaderPostViewOut(serializers.Serializer):
    """quota.leader_posts.LeaderPostView: quota in force, appointed, excess."""

    scope = serializers.CharField()
    scope_label = serializers.CharField()
    internal_body = serializers.IntegerField(source="internal_body_id", allow_null=True)
    internal_body_name = serializers.SerializerMethodField()
    level = serializers.CharField()
    level_label = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    count = serializers.IntegerField()
    appointed = serializers.IntegerField()
    vacancy = serializers.IntegerField()
    over = serializers.IntegerField()
    effective_date = serializers.DateField(allow_null=True)
    doc_no = serializers.CharField()

    def get_internal_body_name(self, obj) -> str:
        return obj.internal_body.name if obj.internal_body else ""


class LoanViewOut(serializers.Serializer):
    """quota.selectors.LoanView: a pool loan inside a borrower's approved."""

    loan = serializers.IntegerField(source="loan.pk")
    movement = serializers.IntegerField(source="loan.movement_id")
    amount = serializers.IntegerField()
    outstanding = serializers.IntegerField()
    due_date = serializers.DateField()
    overdue = serializers.BooleanField()


class AccountOut(serializers.Serializer):
    """quota.selectors.AccountView: one account's counters (today or as of)."""

    account = serializers.IntegerField(source="account.pk")
    holder_kind = serializers.CharField()
    unit = serializers.IntegerField(source="account.unit_id", allow_null=True)
    category = CodeField()
    category_name = serializers.CharField(source="category.name")
    funding = serializers.CharField()
    funding_label = serializers.CharField()
    approved = serializers.IntegerField()
    occupied = serializers.IntegerField()
    reserved = serializers.IntegerField()
    vacancy = serializers.IntegerField()
    over = serializers.IntegerField()
    borrowed = serializers.IntegerField()
    loans = LoanViewOut(many=True)
    over_since = serializers.DateField(allow_null=True)


class ControlTotalOut(serializers.Serializer):
    """quota.selectors.ControlTotalView."""

    category = CodeField()
    category_name = serializers.CharField(source="category.name")
    funding = serializers.CharField()
    total = serializers.IntegerField()
    units = serializers.IntegerField()
    reserve = serializers.IntegerField()
    pool = serializers.IntegerField()
    balanced = serializers.BooleanField()


class AgencyCapStatusOut(serializers.Serializer):
    """orgs.selectors.CapStatus."""

    as_of = serializers.DateField()
    cap = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    excess = serializers.IntegerField()
    cap_doc_no = serializers.CharField()
    note = serializers.CharField()


class RegionDetailOut(serializers.Serializer):
    region = RegionOut()
    as_of = serializers.DateField(allow_null=True)
    agency_cap = AgencyCapStatusOut()
    control_totals = ControlTotalOut(many=True)
    accounts = AccountOut(many=True)


class UnitDetailOut(serializers.Serializer):
    unit = UnitOut()
    as_of = serializers.DateField()
    state = UnitStateOut()
    accounts = AccountOut(many=True)
    leader_posts = LeaderPostViewOut(many=True)
    internal_bodies = InternalBodyOut(many=True)
    mandate = MandateOut(allow_null=True)


class LegOut(serializers.Serializer):
    account = serializers.IntegerField()
    amount = serializers.IntegerField()
    holder_kind = serializers.CharField()
    holder = serializers.CharField()
    unit = serializers.IntegerField(allow_null=True)
    category = serializers.CharField()
    funding = serializers.CharField()


class MovementOut(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    linked = serializers.SerializerMethodField()

    class Meta:
        model = QuotaMovement
        fields = [
            "id",
            "region",
            "kind",
            "kind_label",
            "doc_no",
            "effective_date",
            "recorded_at",
            "actor_name",
            "approval_ref",
            "reason",
            "reform",
            "status",
            "status_label",
            "flag_reason",
            "due_date",
            "related",
            "linked",
            "note",
        ]

    def get_linked(self, obj) -> list[int]:
        """Movements tied to this one either way (reversal, return, the other
        half of a cross-region transfer)."""
        ids = {m.pk for m in obj.related_movements.all()}
        if obj.related_id:
            ids.add(obj.related_id)
        return sorted(ids)


class MovementDetailOut(MovementOut):
    """A movement with its legs (views add `legs`; see quota_views.legs_of)."""

    legs = LegOut(many=True, read_only=True, default=list)

    class Meta(MovementOut.Meta):
        fields = [*MovementOut.Meta.fields, "legs"]

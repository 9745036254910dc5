"""The forms of the establishment matters (approvals.intake), one per type.

`clean_payload` is the one parser: the intake's build calls it on what the
user typed, and the submit-time validator calls it again on the stored
payload (a request made through request_create directly is checked the
same way). Unit-level rules (names taken, caps, balances) are the domain
services' and are checked when the committee's decision is applied.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bianzhi.approvals import engine, intake
from bianzhi.core.actor import Actor
from bianzhi.core.codes import parse_quantity
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import InstitutionClass, Region, Unit, UnitKind, UnitRank
from bianzhi.quota.models import Funding, LeaderKind, LeaderLevel, QuotaCategory

from .kinds import kind_of, type_of
from .models import MatterType

T = MatterType
YES_NO = [("否", "否"), ("是", "是")]
QUOTA_OPERATIONS = [("grant", "核增（从未分配编制核定）"), ("recall", "核减（收回）"),
                    ("transfer", "划转（至其他单位）")]  # fmt: skip


def _choices(choices_cls):
    return lambda actor, values: list(choices_cls.choices)


def _categories(actor, values):
    return list(QuotaCategory.objects.order_by("code").values_list("code", "name"))


def _regions(actor: Actor, values) -> list[tuple[str, str]]:
    scope = engine.scope_of(actor)
    qs = Region.objects.order_by("code")
    if not scope.everything:
        codes = set(scope.region_codes) | set(
            Unit.objects.filter(pk__in=scope.unit_ids).values_list(
                "region_id", flat=True
            )
        )
        qs = qs.filter(pk__in=codes)
    return [(r.code, f"{r.name}（{r.code}）") for r in qs]


F = intake.Field
COMMON = (
    F("reason", "申请理由", "textarea"),
    F("proposed_date", "拟生效日期", "date", required=False),
    F("attachments", "申请材料", "attachments", required=False,
      help="论证报告、请示等（PDF、OFD、Word、Excel、图片）"),
)  # fmt: skip
UNIT = F("unit_id", "涉及单位", "unit")
FIELDS: dict[str, tuple[intake.Field, ...]] = {
    T.ESTABLISH: (
        F("region_code", "行政区划", "choice", choices=_regions),
        F("name", "机构名称"),
        F("short_name", "简称", required=False),
        F("kind", "机构类别", "choice", choices=_choices(UnitKind)),
        F("rank", "机构规格", "choice", choices=_choices(UnitRank)),
        F("parent_id", "主管部门/上级单位", "unit", required=False,
          help="单位人事干部申请时须为本单位"),
        F("institution_class", "事业单位类别", "choice", required=False,
          choices=_choices(InstitutionClass)),
        F("sector", "行业（GB/T 4754 门类字母）", required=False),
        F("in_cap", "计入机构限额", "choice", choices=lambda a, v: YES_NO),
        F("civil_service_managed", "参照公务员法管理", "choice",
          choices=lambda a, v: YES_NO),
        F("quota_category", "核定编制类型", "choice", required=False,
          choices=_categories),
        F("quota_funding", "经费形式", "choice", required=False,
          choices=_choices(Funding)),
        F("quota_amount", "核定编制数", "int", required=False),
    ),
    T.REVOKE: (UNIT,),
    T.MERGE: (UNIT, F("into_unit_id", "并入单位", "unit")),
    T.RENAME: (UNIT, F("new_name", "新名称"),
               F("new_short_name", "新简称", required=False)),
    T.CHANGE_RANK: (UNIT, F("new_rank", "新规格", "choice",
                            choices=_choices(UnitRank))),
    T.CHANGE_QUOTA: (
        UNIT,
        F("operation", "调整方式", "choice", choices=lambda a, v: QUOTA_OPERATIONS),
        F("category", "编制类型", "choice", choices=_categories),
        F("funding", "经费形式", "choice", choices=_choices(Funding)),
        F("amount", "数量", "int"),
        F("target_unit_id", "划入单位（划转时填写）", "unit", required=False),
    ),
    T.CHANGE_LEADER_POSTS: (
        UNIT,
        F("level", "职务层次", "choice", choices=_choices(LeaderLevel)),
        F("leader_kind", "正副职", "choice", choices=_choices(LeaderKind)),
        F("count", "核定职数", "int"),
    ),
    T.CHANGE_MANDATE: (
        UNIT,
        F("functions", "主要职责", "textarea"),
        F("internal_bodies_approved", "核定内设机构数", "int"),
        F("staffing_note", "人员编制说明", "textarea", required=False),
    ),
}  # fmt: skip


def _text(raw: dict, name: str, label: str, *, required: bool = True) -> str:
    value = str(raw.get(name) or "").strip()
    if required and not value:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, label, field=name)
    return value


def _choice(raw: dict, name: str, label: str, choices, *, required=True) -> str:
    value = _text(raw, name, label, required=required)
    if not value:
        return ""
    for code, text in choices:
        if value in (code, text):
            return code
    raise ApplicationError(ErrorCode.VALUE_INVALID, f"{label}：{value}", field=name)


def _yes(raw: dict, name: str) -> bool:
    value = raw.get(name)
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"是", "true", "1", "y", "yes"}


def _int(raw: dict, name: str, label: str, *, positive=True, required=True):
    value = raw.get(name)
    if value in (None, ""):
        if required:
            raise ApplicationError(ErrorCode.FIELD_REQUIRED, label, field=name)
        return None
    if positive:
        try:
            return parse_quantity(value)
        except ApplicationError as exc:
            exc.field = name
            raise
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if number < 0:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"{label}须为非负整数", field=name
        )
    return number


def _unit(raw: dict, name: str, label: str, *, required=True) -> Unit | None:
    value = raw.get(name)
    if value in (None, ""):
        if required:
            raise ApplicationError(ErrorCode.FIELD_REQUIRED, label, field=name)
        return None
    try:
        unit = Unit.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        raise ApplicationError(ErrorCode.UNIT_UNKNOWN, label, field=name)
    if not unit.is_active:
        raise ApplicationError(ErrorCode.UNIT_INACTIVE, unit.name, field=name)
    return unit


def _ids(value) -> list[int]:
    if value in (None, "", []):
        return []
    if not isinstance(value, list | tuple):
        value = [v for v in str(value).replace("，", ",").split(",") if v.strip()]
    try:
        return [int(v) for v in value if not isinstance(v, bool)]
    except (TypeError, ValueError):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "附件编号格式不正确", field="attachments"
        ) from None


def clean_payload(matter_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The payload of a matter of `matter_type`, parsed and checked."""
    out: dict[str, Any] = {"matter_type": matter_type}
    out["reason"] = _text(raw, "reason", "申请理由")
    if raw.get("proposed_date"):
        out["proposed_date"] = parse_date(
            raw["proposed_date"], field="proposed_date"
        ).isoformat()
    out["attachment_ids"] = _ids(raw.get("attachment_ids", raw.get("attachments")))
    if matter_type == T.ESTABLISH:
        code = _text(raw, "region_code", "行政区划")
        if not Region.objects.filter(pk=code).exists():
            raise ApplicationError(ErrorCode.REGION_UNKNOWN, code, field="region_code")
        out["region_code"] = code
        out["name"] = _text(raw, "name", "机构名称")
        out["short_name"] = _text(raw, "short_name", "简称", required=False)
        out["kind"] = _choice(raw, "kind", "机构类别", UnitKind.choices)
        out["rank"] = _choice(raw, "rank", "机构规格", UnitRank.choices)
        parent = _unit(raw, "parent_id", "上级单位", required=False)
        out["parent_id"] = parent.pk if parent else None
        out["institution_class"] = _choice(
            raw, "institution_class", "事业单位类别", InstitutionClass.choices,
            required=False,
        )  # fmt: skip
        out["sector"] = _text(raw, "sector", "行业", required=False)
        out["in_cap"] = _yes(raw, "in_cap")
        out["civil_service_managed"] = _yes(raw, "civil_service_managed")
        amount = _int(raw, "quota_amount", "核定编制数", required=False)
        if amount:
            out["quota_category"] = _choice(
                raw, "quota_category", "核定编制类型", _categories(None, None)
            )
            out["quota_funding"] = _choice(
                raw, "quota_funding", "经费形式", Funding.choices
            )
            out["quota_amount"] = amount
        return out
    unit = _unit(raw, "unit_id", "涉及单位")
    assert unit is not None
    out["unit_id"] = unit.pk
    if matter_type == T.MERGE:
        into = _unit(raw, "into_unit_id", "并入单位")
        assert into is not None
        if into.pk == unit.pk:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "不能并入本单位", field="into_unit_id"
            )
        out["into_unit_id"] = into.pk
    elif matter_type == T.RENAME:
        out["new_name"] = _text(raw, "new_name", "新名称")
        out["new_short_name"] = _text(raw, "new_short_name", "新简称", required=False)
    elif matter_type == T.CHANGE_RANK:
        out["new_rank"] = _choice(raw, "new_rank", "新规格", UnitRank.choices)
    elif matter_type == T.CHANGE_QUOTA:
        out["operation"] = _choice(raw, "operation", "调整方式", QUOTA_OPERATIONS)
        out["category"] = _choice(raw, "category", "编制类型", _categories(None, None))
        out["funding"] = _choice(raw, "funding", "经费形式", Funding.choices)
        out["amount"] = _int(raw, "amount", "数量")
        if out["operation"] == "transfer":
            target = _unit(raw, "target_unit_id", "划入单位")
            assert target is not None
            if target.pk == unit.pk:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID, "不能划转给本单位", field="target_unit_id"
                )
            out["target_unit_id"] = target.pk
    elif matter_type == T.CHANGE_LEADER_POSTS:
        out["level"] = _choice(raw, "level", "职务层次", LeaderLevel.choices)
        out["leader_kind"] = _choice(raw, "leader_kind", "正副职", LeaderKind.choices)
        out["count"] = _int(raw, "count", "核定职数", positive=False)
    elif matter_type == T.CHANGE_MANDATE:
        out["functions"] = _text(raw, "functions", "主要职责")
        out["internal_bodies_approved"] = _int(
            raw, "internal_bodies_approved", "核定内设机构数", positive=False
        )
        out["staffing_note"] = _text(raw, "staffing_note", "说明", required=False)
    return out


def subject_of(payload: dict) -> tuple[str, int | None]:
    """(region code, unit id) a request about this payload belongs to."""
    if payload["matter_type"] == T.ESTABLISH:
        return payload["region_code"], payload.get("parent_id")
    unit = Unit.objects.get(pk=payload["unit_id"])
    return unit.region_id, unit.pk


def title_of(payload: dict) -> str:
    t = MatterType(payload["matter_type"])
    if t == T.ESTABLISH:
        return f"关于设立{payload['name']}的申请"
    unit = Unit.objects.get(pk=payload["unit_id"])
    return f"关于{unit.name}{t.label}的申请"


def build_for(matter_type: str):
    def build(actor: Actor, values: dict[str, Any]) -> intake.Draft:
        payload = clean_payload(matter_type, values)
        region_code, unit_id = subject_of(payload)
        scope = engine.scope_of(actor)
        if not scope.covers(region_code=region_code, unit_id=unit_id):
            field = "parent_id" if matter_type == T.ESTABLISH else "unit_id"
            raise ApplicationError(
                ErrorCode.OUT_OF_SCOPE, "不在本人管理范围内", field=field
            )
        return intake.Draft(
            title=title_of(payload),
            region_code=region_code,
            unit_id=unit_id,
            subject_type="unit" if unit_id else "region",
            subject_id=unit_id or region_code,
            payload=payload,
            attachment_ids=list(payload["attachment_ids"]),
        )

    return build


def validate_matter(request, actor: Actor, today: dt.date) -> None:
    """Submit-time: the stored payload parses as its type's form."""
    matter_type = type_of(request.kind)
    request.payload = clean_payload(matter_type, dict(request.payload or {}))


def display_rows(payload: dict) -> list[tuple[str, str]]:
    """The payload as (label, value) with Chinese labels and unit names."""
    from .kinds import PAYLOAD_LABELS

    labels = {
        "matter_type": dict(MatterType.choices),
        "kind": dict(UnitKind.choices),
        "rank": dict(UnitRank.choices),
        "new_rank": dict(UnitRank.choices),
        "institution_class": dict(InstitutionClass.choices),
        "operation": dict(QUOTA_OPERATIONS),
        "funding": dict(Funding.choices),
        "quota_funding": dict(Funding.choices),
        "level": dict(LeaderLevel.choices),
        "leader_kind": dict(LeaderKind.choices),
        "category": dict(_categories(None, None)),
        "quota_category": dict(_categories(None, None)),
    }
    units = ("unit_id", "parent_id", "into_unit_id", "target_unit_id")
    names = dict(
        Unit.objects.filter(
            pk__in=[payload[k] for k in units if payload.get(k)]
        ).values_list("pk", "name")
    )
    rows = []
    for key, value in payload.items():
        if key == "attachment_ids" or value in (None, ""):
            continue
        if key in units:
            shown = names.get(value, str(value))
        elif isinstance(value, bool):
            shown = "是" if value else "否"
        else:
            shown = labels.get(key, {}).get(value, str(value))
        rows.append((PAYLOAD_LABELS.get(key, key), shown))
    return rows


def form_values(request) -> dict[str, Any]:
    """The raw form values of a saved matter (to correct a returned one)."""
    values: dict[str, Any] = {}
    for key, value in (request.payload or {}).items():
        if key == "attachment_ids":
            values["attachments"] = [str(v) for v in value or []]
        elif isinstance(value, bool):
            values[key] = "是" if value else "否"
        else:
            values[key] = "" if value is None else str(value)
    return values


def register_intakes() -> None:
    for t in MatterType:
        intake.register_intake(
            intake.Intake(
                kind=kind_of(t.value),
                fields=FIELDS[t] + COMMON,
                build=build_for(t.value),
                initial_values=form_values,
                intro=(
                    f"机构编制事项（{t.label}）：提交后经编办论证、编办主任办公会"
                    "研究、编委会决定，按决定的生效日期调整机构和编制台账；"
                    "超出本级权限的报上级机构编制部门审批。"
                ),
            )
        )

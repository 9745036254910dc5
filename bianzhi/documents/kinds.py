"""The five documents: title, serial prefix, template and context keys.

The approval kinds that issue the first four (quota-use application, enrollment
and release filings) hand `document_issue` a plain context dict; the keys each
template reads are listed here, in one place, and checked before rendering.
Dates may be `datetime.date` or ISO strings; numbers ints. Lists of rows are
lists of dicts with the row keys named below.

Common to every kind (all optional): `office_name` (the issuing office, e.g.
"示例市机构编制委员会办公室"; default: the unit's region + 机构编制委员会办公室),
`copy_to` (抄送, text), `remarks` (备注, text).

approval_form — 编制使用审批表 (quota-use application as decided)
    request_no       申请编号
    unit_name        用编单位
    unit_uscc        统一社会信用代码 (optional)
    supervisor_name  主管部门 (optional; institutions)
    applied_on       申请日期
    category         编制类型 (name, e.g. "事业编制")
    funding          经费形式 (label, e.g. "财政补助")
    channel          进人方式 (label, e.g. "公开招聘")
    count            申请用编数
    reason           用编理由
    accounts         rows: category, funding, approved, occupied, reserved, vacancy
                     (the live numbers the reviewers saw)
    positions        rows (optional): title, count, requirement  (拟招聘岗位)
    opinions         rows: step (环节, e.g. "主管部门意见"), opinion, by, on

permit — 用编核准通知书, with the 空编证明 (vacancy proof) on the same sheet
    permit_no        核准编号
    request_no       申请编号
    unit_name, unit_uscc (optional)
    category, funding, channel, count   as above (count = 核准用编数)
    approved_on      核准日期
    valid_until      有效期至
    vacancy_as_of    空编证明截止日期
    accounts         rows as above: the unit's accounts on vacancy_as_of
    by_credit, credits (optional) the permit is backed by N-out-1-in intake
                     credits (the account is full or over quota): the proof
                     states the credits of the year instead of a vacancy

enrollment_notice — 入编通知
    filing_no        备案编号
    permit_no        用编核准编号
    unit_name
    enrolled_on      入编日期
    persons          rows: name, gender, id_number (shown as given: pass a masked
                     number unless the recipient may see it in full), category,
                     funding, position_title, channel

stop_pay_notice — 停发工资通知
    filing_no        出编备案编号
    recipient        主送 (e.g. "示例市财政局")
    unit_name
    stop_from        停发日期 (wages stop from this day)
    persons          rows: name, id_number (as above), category, released_on, reason

certificate — 机构编制管理证: built from the database by contexts.certificate_context.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bianzhi.core.errors import ApplicationError, ErrorCode

from .models import DocumentKind

COMMON_OPTIONAL = ("office_name", "copy_to", "remarks")


@dataclass(frozen=True)
class KindSpec:
    kind: str
    title: str  # the official title printed on the document
    prefix: str  # serial numbers: <prefix>-<year>-<six digits>
    template: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    rows: tuple[tuple[str, tuple[str, ...]], ...] = ()  # list key -> row keys
    # False: the context is built by this app (contexts.py), not by a caller.
    checked: bool = True


ACCOUNT_ROW = ("category", "funding", "approved", "occupied", "reserved", "vacancy")

KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            kind=DocumentKind.APPROVAL_FORM,
            title="编制使用审批表",
            prefix="编审",
            template="documents/approval_form.html",
            required=(
                "request_no",
                "unit_name",
                "applied_on",
                "category",
                "funding",
                "channel",
                "count",
                "reason",
                "accounts",
                "opinions",
            ),
            optional=("unit_uscc", "supervisor_name", "positions"),
            rows=(
                ("accounts", ACCOUNT_ROW),
                ("opinions", ("step", "opinion", "by", "on")),
                ("positions", ("title", "count", "requirement")),
            ),
        ),
        KindSpec(
            kind=DocumentKind.PERMIT,
            title="用编核准通知书",
            prefix="编准",
            template="documents/permit.html",
            required=(
                "permit_no",
                "request_no",
                "unit_name",
                "category",
                "funding",
                "channel",
                "count",
                "approved_on",
                "valid_until",
                "vacancy_as_of",
                "accounts",
            ),
            optional=("unit_uscc", "by_credit", "credits"),
            rows=(("accounts", ACCOUNT_ROW),),
        ),
        KindSpec(
            kind=DocumentKind.ENROLLMENT_NOTICE,
            title="入编通知",
            prefix="入编",
            template="documents/enrollment_notice.html",
            required=("filing_no", "permit_no", "unit_name", "enrolled_on", "persons"),
            rows=(
                (
                    "persons",
                    (
                        "name",
                        "gender",
                        "id_number",
                        "category",
                        "funding",
                        "position_title",
                        "channel",
                    ),
                ),
            ),
        ),
        KindSpec(
            kind=DocumentKind.STOP_PAY_NOTICE,
            title="停发工资通知",
            prefix="停薪",
            template="documents/stop_pay_notice.html",
            required=("filing_no", "recipient", "unit_name", "stop_from", "persons"),
            rows=(
                ("persons", ("name", "id_number", "category", "released_on", "reason")),
            ),
        ),
        KindSpec(
            kind=DocumentKind.CERTIFICATE,
            title="机构编制管理证",
            prefix="编证",
            template="documents/certificate.html",
            required=("unit_name", "as_of"),
            checked=False,
        ),
    )
}


def spec_for(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"未知的文书类型 {kind}", field="kind"
        ) from None


def _as_date(value: Any, key: str) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ApplicationError(ErrorCode.DATE_INVALID, value, field=key) from None
    return value


def check_context(kind: str, context: dict[str, Any]) -> dict[str, Any]:
    """The context with its ISO date strings parsed; FIELD_REQUIRED if a key is missing.

    Unknown keys are refused too (VALUE_INVALID): a typo in a caller would
    otherwise print an empty box on an official document.
    """
    spec = spec_for(kind)
    if not spec.checked:
        return dict(context)
    missing = [k for k in spec.required if context.get(k) in (None, "")]
    if missing:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "、".join(missing), field=missing[0]
        )
    allowed = set(spec.required) | set(spec.optional) | set(COMMON_OPTIONAL)
    unknown = sorted(set(context) - allowed)
    if unknown:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"文书内容含未定义的项 {'、'.join(unknown)}"
        )
    checked = dict(context)
    for key, value in context.items():
        if key.endswith(("_on", "_until", "_as_of", "_from")) or key == "as_of":
            checked[key] = _as_date(value, key)
    for key, row_keys in spec.rows:
        rows = []
        for row in context.get(key) or []:
            extra = set(row) - set(row_keys)
            if extra:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID,
                    f"{key} 的行含未定义的项 {'、'.join(sorted(extra))}",
                    field=key,
                )
            rows.append(
                {
                    k: _as_date(v, k) if k in ("on", "released_on") else v
                    for k, v in row.items()
                }
            )
        checked[key] = rows
    return checked


def example_context(kind: str) -> dict[str, Any]:
    """A complete, plausible context per kind (tests, previews, the demo)."""
    accounts = [
        {
            "category": "事业编制",
            "funding": "财政补助",
            "approved": 120,
            "occupied": 112,
            "reserved": 3,
            "vacancy": 5,
        },
        {
            "category": "事业编制",
            "funding": "经费自理",
            "approved": 10,
            "occupied": 10,
            "reserved": 0,
            "vacancy": 0,
        },
    ]
    common = {
        "office_name": "示例市机构编制委员会办公室",
        "unit_name": "示例市第一中学",
    }
    if kind == DocumentKind.APPROVAL_FORM:
        return common | {
            "request_no": "用编申请-2026-0042",
            "unit_uscc": "12990100MB0000001X",
            "supervisor_name": "示例市教育局",
            "applied_on": dt.date(2026, 3, 2),
            "category": "事业编制",
            "funding": "财政补助",
            "channel": "公开招聘",
            "count": 3,
            "reason": "高中部新增两个教学班，数学、物理、化学学科教师缺额，"
            "按师生比核算需补充专任教师3名。",
            "accounts": accounts,
            "positions": [
                {
                    "title": "高中数学教师",
                    "count": 1,
                    "requirement": "本科及以上，教师资格",
                },
                {
                    "title": "高中物理教师",
                    "count": 1,
                    "requirement": "本科及以上，教师资格",
                },
                {
                    "title": "高中化学教师",
                    "count": 1,
                    "requirement": "本科及以上，教师资格",
                },
            ],
            "opinions": [
                {
                    "step": "主管部门意见",
                    "opinion": "情况属实，同意申报。",
                    "by": "示例市教育局 王建国",
                    "on": dt.date(2026, 3, 4),
                },
                {
                    "step": "编办审核意见",
                    "opinion": "空编5名，扣除已预留3名后可用2名；经研究同意使用3名（含年度计划预留1名）。",
                    "by": "业务科 李娜",
                    "on": dt.date(2026, 3, 6),
                },
                {
                    "step": "人社部门会审意见",
                    "opinion": "同意按公开招聘程序办理。",
                    "by": "示例市人力资源和社会保障局 赵敏",
                    "on": dt.date(2026, 3, 9),
                },
                {
                    "step": "编办领导审批意见",
                    "opinion": "同意。",
                    "by": "张志强",
                    "on": dt.date(2026, 3, 10),
                },
            ],
        }
    if kind == DocumentKind.PERMIT:
        return common | {
            "permit_no": "示编核〔2026〕17号",
            "request_no": "用编申请-2026-0042",
            "unit_uscc": "12990100MB0000001X",
            "category": "事业编制",
            "funding": "财政补助",
            "channel": "公开招聘",
            "count": 3,
            "approved_on": dt.date(2026, 3, 10),
            "valid_until": dt.date(2026, 9, 9),
            "vacancy_as_of": dt.date(2026, 3, 10),
            "accounts": accounts,
        }
    if kind == DocumentKind.ENROLLMENT_NOTICE:
        return common | {
            "filing_no": "入编备案-2026-0108",
            "permit_no": "示编核〔2026〕17号",
            "enrolled_on": dt.date(2026, 8, 1),
            "persons": [
                {
                    "name": "陈思远",
                    "gender": "男",
                    "id_number": "9901**********0017",
                    "category": "事业编制",
                    "funding": "财政补助",
                    "position_title": "高中数学教师",
                    "channel": "公开招聘",
                },
                {
                    "name": "欧阳堃",
                    "gender": "女",
                    "id_number": "9901**********0025",
                    "category": "事业编制",
                    "funding": "财政补助",
                    "position_title": "高中物理教师",
                    "channel": "公开招聘",
                },
            ],
            "copy_to": "示例市财政局，示例市人力资源和社会保障局",
        }
    if kind == DocumentKind.STOP_PAY_NOTICE:
        return common | {
            "filing_no": "出编备案-2026-0031",
            "recipient": "示例市财政局",
            "stop_from": dt.date(2026, 7, 1),
            "persons": [
                {
                    "name": "刘建华",
                    "id_number": "9901**********0033",
                    "category": "事业编制",
                    "released_on": dt.date(2026, 6, 30),
                    "reason": "退休",
                },
            ],
            "copy_to": "示例市人力资源和社会保障局",
        }
    raise ApplicationError(
        ErrorCode.VALUE_INVALID, f"{kind} 的内容由数据库生成，无示例", field="kind"
    )

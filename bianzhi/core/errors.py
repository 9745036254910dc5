"""ApplicationError and the error-code catalogue of VALUES.md.

Codes are stable identifiers (extend, never rename). Every refusal anywhere in
the system raises ApplicationError with one of these codes; web, API and CLI
render the same Chinese message.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    QUOTA_FULL = "QUOTA_FULL"
    QUOTA_OVER_NO_INTAKE = "QUOTA_OVER_NO_INTAKE"
    QUOTA_NEGATIVE = "QUOTA_NEGATIVE"
    QUOTA_UNBALANCED = "QUOTA_UNBALANCED"
    CATEGORY_MISMATCH = "CATEGORY_MISMATCH"
    PERSON_ALREADY_POSTED = "PERSON_ALREADY_POSTED"
    ID_INVALID = "ID_INVALID"
    ID_MISMATCH = "ID_MISMATCH"
    AGE_OUT_OF_RANGE = "AGE_OUT_OF_RANGE"
    LEADER_POSTS_FULL = "LEADER_POSTS_FULL"
    AGENCY_CAP_EXCEEDED = "AGENCY_CAP_EXCEEDED"
    INTERNAL_BODIES_EXCEEDED = "INTERNAL_BODIES_EXCEEDED"
    REVERSE_FLOW = "REVERSE_FLOW"
    PERMIT_REQUIRED = "PERMIT_REQUIRED"
    PERMIT_EXPIRED = "PERMIT_EXPIRED"
    PERMIT_EXHAUSTED = "PERMIT_EXHAUSTED"
    DOC_NO_INVALID = "DOC_NO_INVALID"
    UNIT_HAS_POSTINGS = "UNIT_HAS_POSTINGS"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    ROLE_FORBIDDEN = "ROLE_FORBIDDEN"
    STEP_OUT_OF_TURN = "STEP_OUT_OF_TURN"
    DATE_INVALID = "DATE_INVALID"
    QUANTITY_INVALID = "QUANTITY_INVALID"
    USCC_INVALID = "USCC_INVALID"
    REGION_UNKNOWN = "REGION_UNKNOWN"
    UNIT_UNKNOWN = "UNIT_UNKNOWN"
    UNIT_INACTIVE = "UNIT_INACTIVE"
    CATEGORY_NOT_ALLOWED = "CATEGORY_NOT_ALLOWED"
    IN_CAP_KIND = "IN_CAP_KIND"
    BACKDATE_REASON_REQUIRED = "BACKDATE_REASON_REQUIRED"
    BIRTH_DATE_MISMATCH = "BIRTH_DATE_MISMATCH"
    DUPLICATE_IMPORT = "DUPLICATE_IMPORT"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_UNREADABLE = "FILE_UNREADABLE"
    HEADER_UNRESOLVED = "HEADER_UNRESOLVED"
    # Added by this project (VALUES.md: "extend; never rename").
    VALUE_INVALID = "VALUE_INVALID"
    ACCOUNT_UNKNOWN = "ACCOUNT_UNKNOWN"
    MOVEMENT_INVALID = "MOVEMENT_INVALID"
    REFORM_LEVEL_REQUIRED = "REFORM_LEVEL_REQUIRED"
    NAME_TAKEN = "NAME_TAKEN"
    USCC_TAKEN = "USCC_TAKEN"
    FIELD_REQUIRED = "FIELD_REQUIRED"
    CAP_BELOW_USE = "CAP_BELOW_USE"
    DUPLICATE_ROW = "DUPLICATE_ROW"
    ATTACHMENT_TYPE_NOT_ALLOWED = "ATTACHMENT_TYPE_NOT_ALLOWED"
    FORM_UNKNOWN = "FORM_UNKNOWN"
    SOURCE_DUPLICATE = "SOURCE_DUPLICATE"
    MONTH_MIXED = "MONTH_MIXED"
    MONTH_MISMATCH = "MONTH_MISMATCH"
    MATTER_BEYOND_AUTHORITY = "MATTER_BEYOND_AUTHORITY"
    MATTER_WITHIN_AUTHORITY = "MATTER_WITHIN_AUTHORITY"


MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.QUOTA_FULL: "该编制账户已满编，无进人额度",
    ErrorCode.QUOTA_OVER_NO_INTAKE: "该编制账户已超编，消化超编前不得进人",
    ErrorCode.QUOTA_NEGATIVE: "编制余额不足",
    ErrorCode.QUOTA_UNBALANCED: "编制变动借贷不平衡",
    ErrorCode.CATEGORY_MISMATCH: "人员身份与编制类型不符（混编混岗）",
    ErrorCode.PERSON_ALREADY_POSTED: "该人员已在其他单位在编",
    ErrorCode.ID_INVALID: "公民身份号码无效",
    ErrorCode.ID_MISMATCH: "性别与公民身份号码不一致",
    ErrorCode.AGE_OUT_OF_RANGE: "年龄不符合入编条件",
    ErrorCode.LEADER_POSTS_FULL: "领导职数已满，不得超职数配备",
    ErrorCode.AGENCY_CAP_EXCEEDED: "超出机构限额",
    ErrorCode.INTERNAL_BODIES_EXCEEDED: "超出核定内设机构数",
    ErrorCode.REVERSE_FLOW: "逆向流动须经特别审批",
    ErrorCode.PERMIT_REQUIRED: "无有效用编核准",
    ErrorCode.PERMIT_EXPIRED: "用编核准已过期",
    ErrorCode.PERMIT_EXHAUSTED: "用编核准名额已用完",
    ErrorCode.DOC_NO_INVALID: "文号格式不正确",
    ErrorCode.UNIT_HAS_POSTINGS: "该单位仍有在编人员，不得撤销",
    ErrorCode.OUT_OF_SCOPE: "未找到",
    ErrorCode.ROLE_FORBIDDEN: "当前角色无权执行此操作",
    ErrorCode.STEP_OUT_OF_TURN: "当前环节不可执行此操作",
    ErrorCode.DATE_INVALID: "日期格式不正确",
    ErrorCode.QUANTITY_INVALID: "数量必须为正整数",
    ErrorCode.USCC_INVALID: "统一社会信用代码无效",
    ErrorCode.REGION_UNKNOWN: "行政区划代码不存在",
    ErrorCode.UNIT_UNKNOWN: "单位不存在",
    ErrorCode.UNIT_INACTIVE: "单位已撤销或合并",
    ErrorCode.CATEGORY_NOT_ALLOWED: "该类机构不得核定此类编制",
    ErrorCode.IN_CAP_KIND: "仅党政机构可计入机构限额",
    ErrorCode.BACKDATE_REASON_REQUIRED: "追溯变更须由编办人员填写理由",
    ErrorCode.BIRTH_DATE_MISMATCH: (
        "出生日期与公民身份号码不一致；如以档案认定为准，请填写认定依据"
    ),
    ErrorCode.DUPLICATE_IMPORT: "该文件已导入，不重复导入",
    ErrorCode.FILE_TOO_LARGE: "文件超过大小限制",
    ErrorCode.FILE_UNREADABLE: "无法读取文件",
    ErrorCode.HEADER_UNRESOLVED: "无法识别表头",
    ErrorCode.VALUE_INVALID: "取值不在允许范围内",
    ErrorCode.ACCOUNT_UNKNOWN: "编制账户不存在",
    ErrorCode.MOVEMENT_INVALID: "编制变动不符合规定",
    ErrorCode.REFORM_LEVEL_REQUIRED: "改革核减须经编办领导及以上决定",
    ErrorCode.NAME_TAKEN: "同一行政区划内已有同名单位",
    ErrorCode.USCC_TAKEN: "统一社会信用代码已被其他单位使用",
    ErrorCode.FIELD_REQUIRED: "必填项不能为空",
    ErrorCode.CAP_BELOW_USE: "核定数低于现有数量",
    ErrorCode.DUPLICATE_ROW: "文件中有重复的行",
    ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED: "附件类型不允许",
    ErrorCode.FORM_UNKNOWN: "统计表不存在",
    ErrorCode.SOURCE_DUPLICATE: "同一个文件被作为两种比对数据提供",
    ErrorCode.MONTH_MIXED: "文件中含有多个月份的数据",
    ErrorCode.MONTH_MISMATCH: "文件所属月份与比对月份不一致",
    ErrorCode.MATTER_BEYOND_AUTHORITY: "超出本级审批权限，须报上级机构编制部门审批",
    ErrorCode.MATTER_WITHIN_AUTHORITY: "该事项在本级审批权限内，应由本级审批，不报上级",
}

# HTTP status each code maps to in web and API answers.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.OUT_OF_SCOPE: 404,
    ErrorCode.UNIT_UNKNOWN: 404,
    ErrorCode.ACCOUNT_UNKNOWN: 404,
    ErrorCode.FORM_UNKNOWN: 404,
    ErrorCode.ROLE_FORBIDDEN: 403,
    ErrorCode.STEP_OUT_OF_TURN: 409,
    ErrorCode.MATTER_BEYOND_AUTHORITY: 409,
    ErrorCode.MATTER_WITHIN_AUTHORITY: 409,
}


class ApplicationError(Exception):
    """A refusal by a business rule: a stable code, a Chinese message, a location.

    `detail` adds the specifics (numbers, the expected format); `field` names the
    input the error belongs to (form field, API key or file column).
    """

    def __init__(
        self,
        code: ErrorCode,
        detail: str = "",
        *,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.code = ErrorCode(code)
        self.detail = detail
        self.field = field
        self.params = params or {}
        super().__init__(self.message)

    @property
    def base_message(self) -> str:
        return MESSAGES[self.code]

    @property
    def message(self) -> str:
        if self.detail:
            return f"{self.base_message}：{self.detail}"
        return self.base_message

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.params:
            data["params"] = self.params
        return data

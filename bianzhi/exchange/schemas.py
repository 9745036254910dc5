"""The file formats Bianzhi reads and writes (EXCHANGE.md §1, §2, §2b).

A Schema is an ordered list of columns: a stable key (used by the importers),
the canonical Chinese header (written on export, named in error reports) and
the aliases real offices use. `match_header` finds the key of a header cell
after normalising what spreadsheets do to headers: full-width characters,
stray spaces, （）/() around a qualifier, a trailing "*" or "（必填）".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Schema:
    kind: str
    title: str
    columns: tuple[Column, ...]
    # Groups of keys of which at least one must be present (roster: the unit is
    # identified by its name or its credit code).
    one_of: tuple[tuple[str, ...], ...] = ()
    _index: dict[str, str] = field(default=None, init=False, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for column in self.columns:
            for text in (column.header, *column.aliases):
                key = normalise_header(text)
                owner = index.get(key)
                if owner is not None and owner != column.key:
                    raise ValueError(f"{self.kind}: header {text} is ambiguous")
                index[key] = column.key
        object.__setattr__(self, "_index", index)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    def header_of(self, key: str) -> str:
        return self.column(key).header

    @property
    def required_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    def match_header(self, text: object) -> str | None:
        """The column key a header cell stands for, or None."""
        normalised = normalise_header(text)
        if not normalised:
            return None
        return self._index.get(normalised)

    def missing(self, found: set[str] | dict[str, str]) -> list[str]:
        """Canonical headers of the required columns (and one_of groups) absent
        from `found`; a one_of group is named as "单位名称或统一社会信用代码"."""
        missing = [c.header for c in self.columns if c.required and c.key not in found]
        for group in self.one_of:
            if not any(key in found for key in group):
                missing.append("或".join(self.header_of(key) for key in group))
        return missing

    def requirement_count(self) -> int:
        return len(self.required_keys) + len(self.one_of)


# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space; deliberately not
# NFKC, which would also rewrite CJK compatibility ideographs.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_MARKS = re.compile(r"(?:\*|\(必填\)|\(必选\)|必填)+$")
_DECORATION = re.compile(r"[\s()\[\]【】〔〕<>《》:：*\"'“”‘’]")


def normalise_header(text: object) -> str:
    """Header text reduced to what identifies it.

    "公民身份号码（必填）", " 姓 名* ", "上级单位(主管部门)" and
    "上级单位（主管部门）" all normalise to their bare words.
    """
    if text is None:
        return ""
    value = str(text).translate(_WIDTH).strip()
    value = re.sub(r"\s+", "", value)
    value = value.lstrip("*")
    value = _MARKS.sub("", value)
    value = _DECORATION.sub("", value)
    return value.casefold()


def _col(key: str, header: str, *aliases: str, required: bool = False) -> Column:
    return Column(key, header, tuple(aliases), required)


UNITS = Schema(
    kind="units",
    title="机构编制台账",
    columns=(
        _col("unit_name", "单位名称", "机构名称", required=True),
        _col("short_name", "单位简称", "机构简称", "简称"),
        _col("uscc", "统一社会信用代码", "信用代码", "单位统一社会信用代码"),
        _col("region_code", "行政区划代码", "区划代码", required=True),
        _col("parent_name", "上级单位（主管部门）", "上级单位", "主管部门"),
        _col("unit_kind", "机构类别", "单位类别", required=True),
        _col("rank", "机构规格", "规格"),
        _col("institution_class", "事业单位类别"),
        _col("civil_service_managed", "是否参公", "参公"),
        _col("in_cap", "是否限额内", "限额内", "是否计入限额"),
        _col("category", "编制类型", "编制类别", required=True),
        _col("funding", "经费形式", "经费来源", required=True),
        _col("approved", "核定编制数", "编制数", "核定数", required=True),
        _col("chief_posts", "正职职数", "正职领导职数"),
        _col("deputy_posts", "副职职数", "副职领导职数"),
        _col("leader_level", "职数级别", "领导职数级别"),
        _col("doc_no", "批准文号", "文号"),
        _col("approved_on", "批准日期", "批准时间"),
    ),
)

ROSTER = Schema(
    kind="roster",
    title="实名制人员信息",
    columns=(
        _col("seq", "序号"),
        _col("unit_name", "单位名称", "单位", "机构名称", "所在单位"),
        _col("uscc", "统一社会信用代码", "信用代码", "单位统一社会信用代码"),
        _col("name", "姓名", required=True),
        _col(
            "id_number",
            "公民身份号码",
            "身份证号",
            "身份证号码",
            "证件号码",
            "身份证",
            required=True,
        ),
        _col("gender", "性别"),
        _col("ethnicity", "民族"),
        _col("birth_date", "出生日期", "出生年月"),
        _col("certified_basis", "出生日期认定依据", "认定依据"),
        _col("political_status", "政治面貌"),
        _col("education", "学历", "最高学历"),
        _col("degree", "学位", "最高学位"),
        _col("major", "所学专业", "专业"),
        _col("identity", "人员身份", "身份", "人员类别", required=True),
        _col("category", "编制类型", "编制类别", required=True),
        _col("funding", "经费形式", required=True),
        _col("position_title", "职务", "现任职务"),
        _col("rank", "职级", "岗位等级"),
        # Not in EXCHANGE.md's list: optional, derived from 职级 when absent
        # (管理岗…/专技岗…/工勤技能岗…); exported so that every person round-trips.
        _col("post_type", "岗位类型", "岗位类别"),
        _col("leader_level", "领导职务层次", "职务层次"),
        _col("channel", "进入方式", "进编方式", "入编方式"),
        _col("entered_unit_on", "进入本单位时间", "进入本单位日期", "进本单位时间"),
        _col("work_start_date", "参加工作时间", "参加工作日期"),
        _col("doc_no", "入编文号", "文号"),
        _col("remarks", "备注"),
    ),
    one_of=(("unit_name", "uscc"),),
)

OFFQUOTA = Schema(
    kind="offquota",
    title="编外人员",
    columns=(
        _col("unit_name", "单位名称", "单位", "机构名称"),
        _col("uscc", "统一社会信用代码", "信用代码", "单位统一社会信用代码"),
        _col("name", "姓名", required=True),
        _col(
            "id_number",
            "公民身份号码",
            "身份证号",
            "身份证号码",
            "证件号码",
            required=True,
        ),
        _col("employment_form", "用工形式", required=True),
        _col("funding_source", "经费来源", "经费形式", required=True),
        _col("start_date", "起始日期", "开始日期", "用工起始日期", required=True),
        _col("end_date", "终止日期", "结束日期", "用工终止日期"),
    ),
    one_of=(("unit_name", "uscc"),),
)

SCHEMAS: dict[str, Schema] = {"units": UNITS, "roster": ROSTER, "offquota": OFFQUOTA}

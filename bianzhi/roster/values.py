"""Value sets of the roster (VALUES.md) as code tables an office can extend.

Each table holds values with a stable code, a canonical label (shown and
exported) and aliases (accepted on import and in search). `resolve(table, text)`
turns what a user typed — full-width, with stray spaces, an alias, a GB code
without its leading zero — into the code, or refuses with VALUE_INVALID naming
the allowed labels.

Two kinds of tables:
- enumerations the rules switch on (identity, post type, channel, release
  reason, gender …) are TextChoices below; their tables only add aliases;
- national-standard and descriptive sets (民族, 政治面貌, 学历, 学位, 职级) are
  validated by `ValueSetValidator`, not by model `choices`, so an office can
  `extend()` them at run time without a migration.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.deconstruct import deconstructible

from bianzhi.core.errors import ApplicationError, ErrorCode


@dataclass(frozen=True)
class Value:
    code: str
    label: str
    aliases: tuple[str, ...] = ()
    # Extra attributes of a value (a channel's permit need, a rank's group …).
    extra: Mapping[str, Any] = field(default_factory=dict)


def normalise_text(text: Any) -> str:
    """Full-width to ASCII, no whitespace at all, ASCII case folded."""
    if type(text) is str:
        return _normalise_str(text)
    return _normalise(str(text if text is not None else ""))


def _normalise(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


_SPACE = re.compile(r"\s+")
# Pure, and a city's import normalises the same few hundred cells (汉族,
# 中共党员, 大学本科 …) hundreds of thousands of times.
_normalise_str = functools.lru_cache(maxsize=8192)(_normalise)


class ValueTable:
    """An ordered value set with an alias index.

    `gb_width` > 0 means the codes are numeric national-standard codes: "1"
    (an Excel cell that lost its leading zero) resolves like "01".
    """

    def __init__(
        self, key: str, title: str, values: Iterable[Value], *, gb_width: int = 0
    ) -> None:
        self.key = key
        self.title = title
        self.gb_width = gb_width
        self._values: dict[str, Value] = {}
        self._index: dict[str, str] = {}
        for value in values:
            self._add(value)

    def _add(self, value: Value) -> None:
        self._values[value.code] = value
        for text in (value.code, value.label, *value.aliases):
            key = normalise_text(text)
            owner = self._index.get(key)
            if owner is not None and owner != value.code:
                raise ValueError(
                    f"{self.title}: 「{text}」 already means {owner}, not {value.code}"
                )
            self._index[key] = value.code

    def extend(
        self,
        code: str,
        label: str | None = None,
        aliases: Iterable[str] = (),
        **extra: Any,
    ) -> Value:
        """Add aliases to an existing value, or a new value (an office's own)."""
        current = self._values.get(code)
        if current is None:
            if not label:
                raise ValueError(f"{self.title}: a new value {code} needs a label")
            value = Value(code, label, tuple(aliases), extra)
        else:
            value = Value(
                code,
                current.label,
                current.aliases + tuple(a for a in aliases if a not in current.aliases),
                {**current.extra, **extra},
            )
        self._add(value)
        return value

    def lookup(self, text: Any) -> str | None:
        key = normalise_text(text)
        if self.gb_width and key.isdigit() and len(key) < self.gb_width:
            key = key.zfill(self.gb_width)
        return self._index.get(key)

    def get(self, code: str) -> Value:
        return self._values[code]

    def label(self, code: str) -> str:
        value = self._values.get(code)
        return value.label if value else code

    @property
    def codes(self) -> list[str]:
        return list(self._values)

    @property
    def labels(self) -> list[str]:
        return [v.label for v in self._values.values()]

    def values(self) -> list[Value]:
        return list(self._values.values())

    def choices(self) -> list[tuple[str, str]]:
        return [(v.code, v.label) for v in self._values.values()]

    def __contains__(self, code: object) -> bool:
        return code in self._values

    def __repr__(self) -> str:
        return f"<ValueTable {self.key} ({len(self._values)})>"


TABLES: dict[str, ValueTable] = {}


def _register(table: ValueTable) -> ValueTable:
    TABLES[table.key] = table
    return table


def _from_choices(
    key: str,
    title: str,
    choices: type[models.TextChoices],
    aliases: Mapping[str, tuple[str, ...]],
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> ValueTable:
    return _register(
        ValueTable(
            key,
            title,
            [
                Value(
                    c.value,
                    str(c.label),
                    aliases.get(c.value, ()),
                    (extra or {}).get(c.value, {}),
                )
                for c in choices
            ],
        )
    )


def resolve(
    table: ValueTable | str,
    text: Any,
    *,
    field: str | None = None,
    required: bool = True,
) -> str:
    """The code `text` stands for in `table`, or ApplicationError.

    Empty input: FIELD_REQUIRED when required, else "".
    """
    table = TABLES[table] if isinstance(table, str) else table
    if normalise_text(text) == "":
        if required:
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, f"请填写{table.title}", field=field
            )
        return ""
    code = table.lookup(text)
    if code is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"「{str(text).strip()}」不是有效的{table.title}，可选：{'、'.join(table.labels)}",
            field=field or table.key,
            params={"value": str(text), "allowed": table.labels},
        )
    return code


@deconstructible
class ValueSetValidator:
    """Model-field validator: the stored code must be in the named table."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, value: str) -> None:
        from django.core.exceptions import ValidationError

        table = TABLES[self.key]
        if value and value not in table:
            raise ValidationError(
                f"{table.title}取值「{value}」无效", code="value_invalid"
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValueSetValidator) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


# ---------------------------------------------------------------------------
# Enumerations the rules depend on
# ---------------------------------------------------------------------------


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Identity(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", "公务员"
    CS_MANAGED = "cs_managed", "参公人员"
    INSTITUTION_STAFF = "institution_staff", "事业人员"
    LOGISTICS_WORKER = "logistics_worker", "机关工勤人员"


class PostType(models.TextChoices):
    MANAGEMENT = "management", "管理"
    PROFESSIONAL = "professional", "专业技术"
    SKILLED_WORKER = "skilled_worker", "工勤技能"


class Channel(models.TextChoices):
    EXAM_RECRUITMENT = "exam_recruitment", "考录"
    OPEN_RECRUITMENT = "open_recruitment", "招聘"
    APPOINTMENT_TRANSFER = "appointment_transfer", "调任"
    LATERAL_TRANSFER = "lateral_transfer", "转任"
    TRANSFER_IN = "transfer_in", "调入"
    SELECTED_GRADUATE = "selected_graduate", "选调生"
    MILITARY_TRANSFER = "military_transfer", "军转干部安置"
    VETERAN_PLACEMENT = "veteran_placement", "退役军人安置"
    FAMILY_PLACEMENT = "family_placement", "随调家属安置"
    INITIAL_LOAD = "initial_load", "初始化导入"


class PermitNeed(models.TextChoices):
    YES = "yes", "需用编核准"
    FILED_AFTERWARDS = "filed_afterwards_30_days", "30日内补办备案"
    NO = "no", "无需（仅初始化导入）"


class ReleaseReason(models.TextChoices):
    RETIREMENT = "retirement", "退休"
    RETIREMENT_WITHDRAWAL = "retirement_withdrawal", "退职"
    RESIGNATION = "resignation", "辞职"
    DISMISSAL = "dismissal", "辞退"
    EXPULSION = "expulsion", "开除"
    DEATH = "death", "死亡"
    TRANSFER_OUT = "transfer_out", "调出"
    CONTRACT_TERMINATION = "contract_termination", "解聘"
    WHOLE_TRANSFER_OUT = "whole_transfer_out", "整建制划出"
    OTHER = "other", "其他"


class EmploymentForm(models.TextChoices):
    CONTRACT = "contract", "聘用"
    DISPATCH = "dispatch", "劳务派遣"
    TEMPORARY = "temporary", "临时"


class FundingSource(models.TextChoices):
    PUBLIC = "public", "财政资金"
    OWN = "own", "单位自有资金"


class RetirementExceptionKind(models.TextChoices):
    SENIOR_FEMALE_CADRE_60 = (
        "senior_female_cadre_60",
        "县处级及以上女干部、高级职称女性60周岁退休",
    )
    FLEXIBLE_DELAY = "flexible_delay", "弹性延迟退休"
    SENIOR_EXPERT_EXTENSION = "senior_expert_extension", "高级专家延长退休"


class YesNo(models.TextChoices):
    YES = "yes", "是"
    NO = "no", "否"


GENDER = _from_choices(
    "gender", "性别", Gender, {"M": ("男性", "1"), "F": ("女性", "2")}
)
IDENTITY = _from_choices(
    "identity",
    "人员身份",
    Identity,
    {
        "cs_managed": ("参照公务员法管理人员", "参公", "参照管理人员"),
        "institution_staff": ("事业单位工作人员", "事业单位人员", "事业编制人员"),
        "logistics_worker": ("工勤人员", "机关工勤", "工勤"),
    },
)
POST_TYPE = _from_choices(
    "post_type",
    "岗位类型",
    PostType,
    {
        "management": ("管理岗位", "管理岗"),
        "professional": ("专业技术岗位", "专技岗位", "专技岗", "专技"),
        "skilled_worker": ("工勤技能岗位", "工勤技能岗", "工勤岗"),
    },
)

_BY_IDENTITY = {
    Identity.CIVIL_SERVANT: "组织部",
    Identity.CS_MANAGED: "组织部",
    Identity.INSTITUTION_STAFF: "人社局",
    Identity.LOGISTICS_WORKER: "人社局",
}
_TRANSFER = {"permit": PermitNeed.YES, "joint_review": _BY_IDENTITY}
# fmt: off
_CHANNEL_EXTRA = {
    "exam_recruitment": {"permit": PermitNeed.YES, "joint_review": "组织部"},
    "open_recruitment": {"permit": PermitNeed.YES, "joint_review": "人社局"},
    "appointment_transfer": _TRANSFER,
    "lateral_transfer": _TRANSFER,
    "transfer_in": _TRANSFER,
    "selected_graduate": {"permit": PermitNeed.YES, "joint_review": "组织部"},
    "military_transfer": {"permit": PermitNeed.FILED_AFTERWARDS, "joint_review": "退役军人事务局"},
    "veteran_placement": {"permit": PermitNeed.FILED_AFTERWARDS, "joint_review": "退役军人事务局"},
    "family_placement": {"permit": PermitNeed.FILED_AFTERWARDS, "joint_review": _BY_IDENTITY},
    "initial_load": {"permit": PermitNeed.NO, "joint_review": ""},
}
# fmt: on
CHANNEL = _from_choices(
    "channel",
    "进入方式",
    Channel,
    {
        "exam_recruitment": ("公务员录用", "考试录用", "考录公务员"),
        "open_recruitment": ("事业单位公开招聘", "公开招聘", "招考"),
        "transfer_in": ("调动",),
        "selected_graduate": ("选调", "定向选调生"),
        "military_transfer": ("军队转业干部安置", "军转安置", "军转干部"),
        "veteran_placement": ("退役士兵安置", "退役军人"),
        "family_placement": ("随军家属安置", "随调家属", "家属随调"),
        "initial_load": ("初始化",),
    },
    _CHANNEL_EXTRA,
)
RELEASE_REASON = _from_choices(
    "release_reason",
    "出编原因",
    ReleaseReason,
    {
        "retirement": ("正常退休", "提前退休", "退休（离休）"),
        "death": ("病故", "去世", "亡故"),
        "transfer_out": ("调离",),
        "dismissal": ("辞退处理",),
        "whole_transfer_out": ("整建制划转",),
    },
)
EMPLOYMENT_FORM = _from_choices(
    "employment_form",
    "用工形式",
    EmploymentForm,
    {
        "contract": ("聘用人员", "合同制", "编外聘用"),
        "dispatch": ("派遣", "劳务派遣人员"),
        "temporary": ("临时工", "临聘", "临聘人员"),
    },
)
FUNDING_SOURCE = _from_choices(
    "funding_source",
    "经费来源",
    FundingSource,
    {
        "public": ("财政", "财政拨款", "财政供养", "公共财政"),
        "own": ("自有资金", "自有收入", "自筹", "自收自支"),
    },
)
YES_NO = _from_choices(
    "yes_no",
    "是否",
    YesNo,
    {"yes": ("y", "1", "true", "t", "√"), "no": ("n", "0", "false", "f", "×")},
)


def resolve_bool(text: Any, *, field: str | None = None) -> bool:
    """是/否 (Y/N, 1/0, true/false) as a bool."""
    if isinstance(text, bool):
        return text
    return resolve(YES_NO, text, field=field) == YesNo.YES


def channel_permit_need(channel: str) -> str:
    """PermitNeed of a channel (VALUES.md: Channels)."""
    return str(CHANNEL.get(channel).extra["permit"])


def joint_review_department(channel: str, identity: str) -> str:
    """Which partner department reviews an intake through `channel`."""
    review = CHANNEL.get(channel).extra["joint_review"]
    if isinstance(review, Mapping):
        return review.get(identity, "")
    return review


# ---------------------------------------------------------------------------
# National standards and descriptive sets (extensible at run time)
# ---------------------------------------------------------------------------

# GB/T 3304-1991 民族名称的罗马字母拼写法和代码, in code order.
_ETHNIC_GROUPS = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 "
    "土家族 哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 "
    "景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 "
    "普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 "
    "独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()
# Former names still found in old files (崩龙族 renamed 1985, 毛难族 1986).
_ETHNIC_ALIASES = {"德昂族": ("崩龙族",), "毛南族": ("毛难族",)}


def _ethnic_values() -> list[Value]:
    values = []
    for number, label in enumerate(_ETHNIC_GROUPS, start=1):
        # 汉族 → 汉: files often drop the final 族.
        aliases = (label[:-1],)
        values.append(
            Value(f"{number:02d}", label, aliases + _ETHNIC_ALIASES.get(label, ()))
        )
    values.append(Value("97", "其他", ("其他民族", "未识别民族")))
    values.append(Value("98", "外国血统", ("外国血统中国籍人士", "外国血统中国籍")))
    return values


ETHNICITY = _register(ValueTable("ethnicity", "民族", _ethnic_values(), gb_width=2))

# GB/T 4762-1984 政治面貌代码: code, short (canonical) label, aliases.
# fmt: off
POLITICAL_STATUS = _register(ValueTable("political_status", "政治面貌", [
    Value("01", "中共党员", ("中国共产党党员", "党员", "共产党员")),
    Value("02", "中共预备党员", ("中国共产党预备党员", "预备党员")),
    Value("03", "共青团员", ("中国共产主义青年团团员", "团员")),
    Value("04", "民革会员", ("中国国民党革命委员会会员", "民革党员", "民革")),
    Value("05", "民盟盟员", ("中国民主同盟盟员", "民盟")),
    Value("06", "民建会员", ("中国民主建国会会员", "民建")),
    Value("07", "民进会员", ("中国民主促进会会员", "民进")),
    Value("08", "农工党党员", ("中国农工民主党党员", "农工党")),
    Value("09", "致公党党员", ("中国致公党党员", "致公党")),
    Value("10", "九三学社社员", ("九三学社",)),
    Value("11", "台盟盟员", ("台湾民主自治同盟盟员", "台盟")),
    Value("12", "无党派民主人士", ("无党派人士", "无党派")),
    Value("13", "群众", ("普通群众",)),
], gb_width=2))

# GB/T 4658 bands used in the statistics forms (extra "gb": the band's code).
EDUCATION = _register(ValueTable("education", "学历", [
    Value("postgraduate", "研究生",
          ("硕士研究生", "博士研究生", "研究生毕业", "硕士", "博士", "研究生班"), {"gb": "10"}),
    Value("undergraduate", "大学本科", ("本科", "大学", "大本"), {"gb": "20"}),
    Value("college", "大学专科", ("专科", "大专", "高职", "高等专科"), {"gb": "30"}),
    Value("secondary", "中专/高中",
          ("中专", "高中", "中等专科", "中技", "技校", "技工学校", "职高", "中师"), {"gb": "40"}),
    Value("junior_or_below", "初中及以下",
          ("初中", "小学", "初中以下", "文盲或半文盲"), {"gb": "70"}),
]))

DEGREE = _register(ValueTable("degree", "学位", [
    Value("doctor", "博士", ("博士学位",)),
    Value("master", "硕士", ("硕士学位",)),
    Value("bachelor", "学士", ("学士学位",)),
    Value("none", "无", ("无学位", "没有")),
]))
# fmt: on

_NUMERALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三".split()
# 职务与职级并行 (2019) ranks of civil servants and 参公人员, highest first.
_CIVIL_SERVANT_RANKS = (
    [("inspector_1", "一级巡视员"), ("inspector_2", "二级巡视员")]
    + [(f"researcher_{n}", f"{_NUMERALS[n - 1]}级调研员") for n in range(1, 5)]
    + [(f"principal_clerk_{n}", f"{_NUMERALS[n - 1]}级主任科员") for n in range(1, 5)]
    + [("clerk_1", "一级科员"), ("clerk_2", "二级科员")]
)


def _rank_values() -> list[Value]:
    """Civil-servant ranks, then institution post grades; extra "group" says
    which rank system (civil_servant or a PostType) a rank belongs to."""
    values = [
        Value(code, label, (), {"group": "civil_servant"})
        for code, label in _CIVIL_SERVANT_RANKS
    ]
    for prefix, code, label, count, group in (
        ("管理", "management", "管理岗", 10, PostType.MANAGEMENT),
        ("专业技术", "professional", "专技岗", 13, PostType.PROFESSIONAL),
        ("工勤技能", "skilled", "工勤技能岗", 5, PostType.SKILLED_WORKER),
    ):
        for n in range(1, count + 1):
            numeral = _NUMERALS[n - 1]
            aliases = (
                f"{prefix}岗位{numeral}级",
                f"{prefix}{numeral}级",
                f"{label}{n}级",
            )
            if code == "professional":
                aliases += (f"专技{numeral}级",)
            extra = {"group": str(group)}
            values.append(Value(f"{code}_{n}", f"{label}{numeral}级", aliases, extra))
    extra = {"group": str(PostType.SKILLED_WORKER)}
    values.append(Value("general_worker", "普通工", ("普通工岗位", "普工"), extra))
    return values


RANK = _register(ValueTable("rank", "职级", _rank_values()))
# 工勤技能岗一级–五级 are also known by their technical grades.
for _n, _grade in enumerate(
    ("高级技师", "技师", "高级工", "中级工", "初级工"), start=1
):
    RANK.extend(f"skilled_{_n}", aliases=(_grade,))

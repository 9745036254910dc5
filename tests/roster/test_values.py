"""Value sets of VALUES.md: canonical labels, aliases, normalisation, refusal."""

import pytest

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.roster import values as v


@pytest.mark.parametrize(
    "table,text,code",
    [
        (v.ETHNICITY, "汉族", "01"),
        (v.ETHNICITY, "汉", "01"),
        (v.ETHNICITY, "1", "01"),  # Excel dropped the leading zero
        (v.ETHNICITY, "０１", "01"),  # full-width
        (v.ETHNICITY, "基诺族", "56"),
        (v.ETHNICITY, "崩龙族", "46"),  # former name of 德昂族
        (v.ETHNICITY, "外国血统中国籍人士", "98"),
        (v.POLITICAL_STATUS, "中国共产党党员", "01"),
        (v.POLITICAL_STATUS, "党员", "01"),
        (v.POLITICAL_STATUS, "13", "13"),
        (v.POLITICAL_STATUS, "群众", "13"),
        (v.EDUCATION, "本科", "undergraduate"),
        (v.EDUCATION, "大学", "undergraduate"),
        (v.EDUCATION, "大专", "college"),
        (v.EDUCATION, "专科", "college"),
        (v.EDUCATION, "硕士研究生", "postgraduate"),
        (v.EDUCATION, "博士研究生", "postgraduate"),
        (v.EDUCATION, "高中", "secondary"),
        (v.EDUCATION, "中专/高中", "secondary"),
        (v.EDUCATION, "小学", "junior_or_below"),
        (v.DEGREE, "学士学位", "bachelor"),
        (v.DEGREE, "无", "none"),
        (v.IDENTITY, "参照公务员法管理人员", "cs_managed"),
        (v.IDENTITY, "参公", "cs_managed"),
        (v.IDENTITY, "事业单位工作人员", "institution_staff"),
        (v.IDENTITY, "工勤人员", "logistics_worker"),
        (v.IDENTITY, "公务员", "civil_servant"),
        (v.POST_TYPE, "专技", "professional"),
        (v.POST_TYPE, "工勤技能岗位", "skilled_worker"),
        (v.RANK, "一级主任科员", "principal_clerk_1"),
        (v.RANK, "二级巡视员", "inspector_2"),
        (v.RANK, "管理岗八级", "management_8"),
        (v.RANK, "专业技术岗位十二级", "professional_12"),
        (v.RANK, "专技岗13级", "professional_13"),
        (v.RANK, "技师", "skilled_2"),
        (v.RANK, "普通工", "general_worker"),
        (v.CHANNEL, "公务员录用", "exam_recruitment"),
        (v.CHANNEL, "事业单位公开招聘", "open_recruitment"),
        (v.CHANNEL, "军队转业干部安置", "military_transfer"),
        (v.CHANNEL, "初始化导入", "initial_load"),
        (v.RELEASE_REASON, "辞退", "dismissal"),
        (v.RELEASE_REASON, "整建制划出", "whole_transfer_out"),
        (v.RELEASE_REASON, "病故", "death"),
        (v.YES_NO, "Y", "yes"),
        (v.YES_NO, "true", "yes"),
        (v.YES_NO, "0", "no"),
        (v.YES_NO, "否", "no"),
        (v.GENDER, "女", "F"),
        (v.GENDER, "M", "M"),
    ],
)
def test_resolve_labels_and_aliases(table, text, code):
    assert v.resolve(table, text) == code


def test_resolve_normalises_spaces_and_full_width():
    assert v.resolve(v.EDUCATION, " 大学\u3000本科 ") == "undergraduate"
    assert v.resolve(v.YES_NO, "Ｙ") == "yes"
    assert v.resolve("political_status", "中共 党员") == "01"


def test_unknown_value_names_the_allowed_labels():
    with pytest.raises(ApplicationError) as error:
        v.resolve(v.DEGREE, "院士", field="学位")
    assert error.value.code == ErrorCode.VALUE_INVALID
    assert error.value.field == "学位"
    for label in ("博士", "硕士", "学士", "无"):
        assert label in error.value.message
    assert error.value.params["allowed"] == ["博士", "硕士", "学士", "无"]


def test_empty_value_is_required_unless_optional():
    with pytest.raises(ApplicationError) as error:
        v.resolve(v.ETHNICITY, "  ")
    assert error.value.code == ErrorCode.FIELD_REQUIRED
    assert v.resolve(v.DEGREE, "", required=False) == ""


def test_table_sizes_follow_the_standards():
    assert len(v.ETHNICITY.codes) == 58  # 56 groups + 其他 + 外国血统
    assert v.ETHNICITY.label("97") == "其他"
    assert v.ETHNICITY.label("98") == "外国血统"
    assert len(v.POLITICAL_STATUS.codes) == 13
    assert v.EDUCATION.labels == [
        "研究生",
        "大学本科",
        "大学专科",
        "中专/高中",
        "初中及以下",
    ]
    assert v.DEGREE.labels == ["博士", "硕士", "学士", "无"]
    ranks = v.RANK.values()
    assert sum(r.extra["group"] == "civil_servant" for r in ranks) == 12
    assert sum(r.extra["group"] == "management" for r in ranks) == 10
    assert sum(r.extra["group"] == "professional" for r in ranks) == 13
    assert sum(r.extra["group"] == "skilled_worker" for r in ranks) == 6  # 5 + 普通工
    assert len(v.RELEASE_REASON.codes) == 10


def test_channel_permit_needs_and_joint_review():
    assert v.channel_permit_need("exam_recruitment") == "yes"
    assert v.channel_permit_need("open_recruitment") == "yes"
    assert v.channel_permit_need("military_transfer") == "filed_afterwards_30_days"
    assert v.channel_permit_need("family_placement") == "filed_afterwards_30_days"
    assert v.channel_permit_need("initial_load") == "no"
    assert v.joint_review_department("exam_recruitment", "civil_servant") == "组织部"
    assert v.joint_review_department("transfer_in", "institution_staff") == "人社局"
    assert v.joint_review_department("transfer_in", "civil_servant") == "组织部"
    assert (
        v.joint_review_department("veteran_placement", "civil_servant")
        == "退役军人事务局"
    )


def test_an_office_extends_a_table():
    table = v.ValueTable("t", "测试", [v.Value("a", "甲", ("一",))])
    table.extend("a", aliases=("壹",))
    table.extend("b", "乙", ("二",))
    assert v.resolve(table, "壹") == "a"
    assert v.resolve(table, "二") == "b"
    assert table.labels == ["甲", "乙"]
    with pytest.raises(ValueError):
        table.extend("c", "丙", ("甲",))  # an alias may mean only one value


def test_resolve_bool():
    assert v.resolve_bool("是") is True
    assert v.resolve_bool("N") is False
    assert v.resolve_bool(True) is True


def test_value_set_validator():
    from django.core.exceptions import ValidationError

    validator = v.ValueSetValidator("ethnicity")
    validator("01")
    with pytest.raises(ValidationError):
        validator("99")
    assert validator == v.ValueSetValidator("ethnicity")

"""Export → import into an empty database → export reproduces the roster
(issue 4, "Export … so export → import into an empty database reproduces the
same roster (a round-trip test proves it)"), in .xlsx and in .csv.

The original city is built through the services; both files are exported,
every table is emptied (flush, then the migrations' seed data put back), the
files are imported with run_import --commit (units first), and the second
export must equal the first. Not carried by the import format, by design of
the initial load (exchange/import_roster.py): 进入方式 and 入编文号 become
初始化导入, and leader appointments (领导职务层次) are recorded separately.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.management import call_command
from stdnum.cn.uscc import calc_check_digit

from bianzhi.core.actor import Actor
from bianzhi.exchange.export import export_roster, export_units
from bianzhi.exchange.readers import open_table
from bianzhi.exchange.schemas import ROSTER, UNITS
from bianzhi.orgs import services as orgs
from bianzhi.quota import leader_posts
from bianzhi.quota import services as quota
from bianzhi.roster import selectors
from bianzhi.roster import services as roster
from bianzhi.roster.models import Person, Posting
from tests.conftest import grant_permit

from ..conftest import _seed_functions
from .files import RARE_NAMES, make_id

OFFICE = Actor(
    user_id=None, name="编办管理员", role="office_admin", scope="region:370102"
)
SYSTEM = Actor.system("往返测试")
TODAY = dt.date(2026, 6, 15)
PAST = dt.date(2020, 1, 1)
GRANT_DOC = "济历编〔2020〕2号"
NOT_CARRIED = {"channel", "doc_no", "leader_level"}
USCC_BODY = "11370102MB000001"


def _uscc(body: str) -> str:
    return body + calc_check_digit(body)


def build_city() -> None:
    region = orgs.region_ensure(actor=OFFICE, code="370102")
    common = {
        "doc_no": "济历编〔2020〕1号",
        "effective_date": PAST,
        "reason": "补录",
        "today": TODAY,
    }
    for category, funding, amount in (
        ("administrative", "full", 30),
        ("logistics", "full", 5),
        ("institutional", "full", 20),
        ("institutional", "partial", 10),
    ):
        quota.quota_increase_total(
            actor=OFFICE, region=region, category=category, funding=funding,
            amount=amount, **common,
        )  # fmt: skip
    bureau = orgs.unit_establish(
        actor=OFFICE, region=region, name="历下区教育和体育局", short_name="区教体局",
        uscc=_uscc(USCC_BODY + "1"), kind="gov_dept", rank="section", in_cap=True, **common,
    )  # fmt: skip
    school = orgs.unit_establish(
        actor=OFFICE, region=region, name="历下区第一实验小学", kind="institution",
        rank="vice_section", institution_class="public_welfare_1", sector="P",
        parent=bureau, **common,
    )  # fmt: skip
    # A 议事协调机构 holds no quota: one row with the quota cells empty.
    orgs.unit_establish(
        actor=OFFICE, region=region, name="历下区教育工作领导小组办公室",
        kind="coordination", rank="unranked", parent=bureau, **common,
    )  # fmt: skip
    grants = {
        "doc_no": GRANT_DOC,
        "effective_date": PAST,
        "reason": "补录",
        "today": TODAY,
    }
    for unit, category, funding, amount in (
        (bureau, "administrative", "full", 8),
        (bureau, "logistics", "full", 2),
        (school, "institutional", "full", 6),
        (school, "institutional", "partial", 3),
    ):
        quota.quota_grant(
            actor=OFFICE, unit=unit, category=category, funding=funding, amount=amount, **grants
        )  # fmt: skip
    for kind, count in (("chief", 1), ("deputy", 2)):
        leader_posts.leader_posts_set(
            actor=OFFICE, unit=bureau, scope="unit", level="township", kind=kind,
            count=count, doc_no="济历编〔2020〕3号", effective_date=PAST, reason="补录",
            today=TODAY,
        )  # fmt: skip
    people = [
        (bureau, "administrative", "full", {
            "id_number": make_id("19780304", "011", "370102"), "name": RARE_NAMES[0],
            "ethnicity": "回族", "political_status": "中共党员", "education": "研究生",
            "degree": "硕士", "major": "教育管理", "identity": "公务员",
            "position_title": "局长", "rank": "一级调研员", "work_start_date": "2000-07-01",
            "remarks": "第一行\n第二行",
        }),
        (bureau, "administrative", "full", {
            "id_number": make_id("19900815", "022", "370102"), "name": RARE_NAMES[3],
            "ethnicity": "汉族", "political_status": "共青团员", "education": "大学本科",
            "degree": "学士", "identity": "公务员", "rank": "一级科员",
            "work_start_date": "2013-08-01",
        }),
        (bureau, "logistics", "full", {
            "id_number": make_id("19820101", "031", "370102"), "name": "王堃",
            "ethnicity": "满族", "political_status": "群众", "education": "中专/高中",
            "identity": "机关工勤人员", "rank": "工勤技能岗四级", "post_type": "工勤技能",
            "work_start_date": "2001-03-01",
        }),
        (school, "institutional", "full", {
            "id_number": make_id("19850607", "042", "370102"), "name": "刘䶮",
            "birth_date": "1985-05-01", "certified_basis": "干部人事档案认定（济历组〔2019〕8号）",
            "ethnicity": "汉族", "political_status": "中国民主同盟盟员",
            "education": "大学本科", "degree": "学士", "major": "小学教育",
            "identity": "事业人员", "rank": "专技岗十级", "post_type": "专业技术",
            "position_title": "教师", "work_start_date": "2007-09-01",
        }),
        (school, "institutional", "partial", {
            "id_number": make_id("19950220", "051", "370102"), "name": "欧阳娜娜",
            "ethnicity": "汉族", "political_status": "中共预备党员",
            "education": "大学专科", "identity": "事业人员", "rank": "管理岗九级",
            "post_type": "管理", "work_start_date": "2017-09-01",
        }),
    ]  # fmt: skip
    for n, (unit, category, funding, person) in enumerate(people):
        channel = "招聘" if unit is school else "考录"
        roster.person_enroll(
            actor=OFFICE, unit=unit, category=category, funding=funding, person=person,
            channel=channel, start_date=TODAY,
            entered_unit_on=dt.date(2010 + n, 9, 1), doc_no="济历编〔2026〕5号", today=TODAY,
            permit=grant_permit(unit, category=category, funding=funding, channel=channel),
        )  # fmt: skip


def rows_of(path, schema) -> list[dict]:
    table = open_table(path, schema)
    return [row.values for row in table.rows]


def people_snapshot() -> dict[str, dict]:
    skip = {"id", "created_at", "updated_at"}
    return {
        p["id_number"]: {k: v for k, v in p.items() if k not in skip}
        for p in Person.objects.values()
    }


def postings_snapshot() -> set[tuple]:
    return set(
        Posting.objects.filter(end_date__isnull=True).values_list(
            "person__id_number", "unit__name", "account__category_id",
            "account__funding", "entered_unit_on",
        )
    )  # fmt: skip


def empty_the_database() -> None:
    call_command("flush", interactive=False, verbosity=0)
    for function in _seed_functions():
        function(apps, None)
    selectors.register_providers()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_import_export_reproduces_the_roster(tmp_path, suffix):
    from bianzhi.exchange.imports import run_import

    selectors.register_providers()
    build_city()
    people, postings = people_snapshot(), postings_snapshot()
    assert len(people) == 5
    units_file, roster_file = tmp_path / f"units{suffix}", tmp_path / f"roster{suffix}"
    assert export_units(actor=OFFICE, out=units_file) == 5
    assert export_roster(actor=OFFICE, out=roster_file, full_id=True) == 5

    empty_the_database()
    assert not Person.objects.exists()
    for kind, path in (("units", units_file), ("roster", roster_file)):
        result = run_import(actor=SYSTEM, kind=kind, path=path, commit=True)
        assert result.committed, [(e.line, e.column, e.problem) for e in result.errors]
        assert result.refused == 0

    again = people_snapshot()
    for number, fields in people.items():
        for key, value in fields.items():
            assert again[number][key] == value, (fields["name"], key)
    assert again.keys() == people.keys()
    assert postings_snapshot() == postings
    again_units, again_roster = tmp_path / f"u2{suffix}", tmp_path / f"r2{suffix}"
    export_units(actor=OFFICE, out=again_units)
    export_roster(actor=OFFICE, out=again_roster, full_id=True)
    assert rows_of(again_units, UNITS) == rows_of(units_file, UNITS)
    first, second = rows_of(roster_file, ROSTER), rows_of(again_roster, ROSTER)
    assert len(second) == len(first) == 5
    for before, after in zip(first, second, strict=True):
        for key in ROSTER.keys:
            if key not in NOT_CARRIED:
                assert after[key] == before[key], key
        assert after["channel"] == "初始化导入"
    assert [r["name"] for r in second][:2] == [RARE_NAMES[0], RARE_NAMES[3]]

"""roster.suspicious: each kind is found, and the near misses are not."""

# Fixtures are imported and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.orgs.models import Unit
from bianzhi.roster import services
from bianzhi.roster.suspicious import KINDS, find_suspicious

from .helpers import ADM, OFFICE, TODAY, city, enroll, person_data, providers, units  # noqa: F401
from .search_cast import cast  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def found(kind, units=None, **kw):
    kw.setdefault("as_of", TODAY)
    result = find_suspicious(
        units=units if units is not None else Unit.objects.all(), kinds=[kind], **kw
    )[kind]
    return result


def names(kind, **kw) -> list[list[str]]:
    return [[p.name for p in f.persons] for f in found(kind, **kw).findings]


def test_same_name_and_birth_date_in_two_units(cast):
    result = found("same_name_birth")
    assert result.total == 1
    (finding,) = result.findings
    assert (
        finding.kind == "same_name_birth" and finding.kind_label == KINDS[finding.kind]
    )
    assert [p.name for p in finding.persons] == ["周八", "周八"]
    assert {p.id for p in finding.persons} == {
        cast.zhouba.person_id,
        cast.zhouba2.person_id,
    }
    assert {u for u, _n in finding.units} == {
        cast.units["bureau"].pk,
        cast.units["court"].pk,
    }
    assert "2个不同公民身份号码" in finding.explanation
    assert "示例市财政局" in finding.explanation
    assert finding.facts == {"name": "周八", "birth_date": dt.date(1985, 6, 7)}


def test_same_name_near_misses_are_not_found(cast):
    # 吴九 and 吴九 are born one day apart: not a finding.
    assert all("吴九" not in group for group in names("same_name_birth"))
    # A namesake of the released 钱七 with the same birth date: the released
    # one is no longer in post, so nothing to report.
    enroll(
        cast.units["mass"],
        person_data(
            120,
            birth="19700101",
            name="钱七",
            identity="参公人员",
            work_start_date="1992-07-01",
        ),
    )
    assert names("same_name_birth") == [["周八", "周八"]]
    # Before the release (2026-06-01) both were in post.
    assert ["钱七", "钱七"] not in names("same_name_birth", as_of=dt.date(2026, 5, 31))


def test_same_name_birth_within_the_scope_only(cast):
    bureau_only = Unit.objects.filter(pk=cast.units["bureau"].pk)
    # One 周八 is in the court: within the bureau alone there is no pair.
    assert found("same_name_birth", units=bureau_only).total == 0
    both = Unit.objects.filter(pk__in=[cast.units["bureau"].pk, cast.units["court"].pk])
    assert found("same_name_birth", units=both).total == 1


def test_certified_birth_date_differing_from_the_id(cast):
    result = found("birth_date_differs")
    assert result.total == 1
    (finding,) = result.findings
    assert [p.name for p in finding.persons] == ["孙十"]
    assert finding.facts == {
        "id_birth_date": dt.date(1990, 1, 1),
        "certified_birth_date": dt.date(1989, 12, 1),
        "basis": "干部档案最早记载为1989年12月",
    }
    assert "认定依据为“干部档案最早记载为1989年12月”" in finding.explanation


def test_certified_birth_date_set_back_to_the_ids_is_not_found(cast):
    services.person_change_locked_field(
        actor=OFFICE,
        person=cast.sunshi.person_id,
        field="certified_birth_date",
        value="1990-01-01",
        reason="核实后与身份证一致",
        today=TODAY,
    )
    assert found("birth_date_differs").total == 0


def test_people_at_or_past_retirement_still_in_post(cast):
    result = found("past_retirement")
    # 李四: a man born 1965-01 retires at 60y1m on 2025-02-01; 郑一: a woman
    # worker born 1975-03 at 50y2m on 2025-05-01.
    assert sorted(p.name for f in result.findings for p in f.persons) == [
        "李四",
        "郑一",
    ]
    lisi = next(f for f in result.findings if f.persons[0].name == "李四")
    assert lisi.facts["retirement_date"] == dt.date(2025, 2, 1)
    assert lisi.facts["statutory_age"] == "60岁1个月"
    assert "2025-02-01" in lisi.explanation


def test_retirement_near_misses(cast):
    # 陈五 (born 1966-06) retires on 2026-11-01: not yet on TODAY, found then.
    assert "陈五" not in [n for g in names("past_retirement") for n in g]
    later = [n for g in names("past_retirement", as_of=dt.date(2026, 11, 1)) for n in g]
    assert "陈五" in later
    assert "陈五" not in [
        n for g in names("past_retirement", as_of=dt.date(2026, 10, 31)) for n in g
    ]
    # 冯二's base date (2025-04-01) is past, but her recorded 60-year exception
    # moves it to 2030-03-01.
    assert "冯二" not in later
    # Released people are not "still in post".
    services.person_release(
        actor=OFFICE,
        posting=cast.lisi,
        reason_code="退休",
        exit_date=TODAY,
        today=TODAY,
    )
    assert [n for g in names("past_retirement") for n in g] == ["郑一"]


def test_limit_keeps_the_total(cast):
    result = found("past_retirement", limit=1)
    assert (result.total, len(result.findings), result.more) == (2, 1, 1)


def test_all_kinds_at_once(cast):
    results = find_suspicious(units=Unit.objects.all(), as_of=TODAY)
    assert {k: v.total for k, v in results.items()} == {
        "same_name_birth": 1,
        "birth_date_differs": 1,
        "past_retirement": 2,
    }
    assert (
        find_suspicious(units=Unit.objects.none(), as_of=TODAY)["past_retirement"].total
        == 0
    )

"""roster.search: every filter, pinyin initials, ID parts, age bands at a
date, sorting, paging with a capped count, and scoping through
accounts.access (unit HR sees only their unit; another region's office
sees nothing)."""

# Fixtures are imported and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.accounts.access import units_in_scope
from bianzhi.accounts.services import role_assign, user_create
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import Unit
from bianzhi.roster.search import (
    PersonFilters,
    age_band_range,
    search_persons,
    upper_bound,
)

from .helpers import TODAY, city, providers, units  # noqa: F401 - fixtures
from .search_cast import cast  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def names(units=None, sort="name", **filters) -> list[str]:
    page = search_persons(
        units=units if units is not None else Unit.objects.all(),
        filters=PersonFilters(**filters),
        sort=sort,
        page_size=200,
        today=TODAY,
    )
    return [row["person__name"] for row in page.rows]


def test_everyone_in_post_by_default_sorted_by_name(cast):
    found = names()
    assert "钱七" not in found  # released
    assert len(found) == 13
    assert found == sorted(found)


def test_name_substring(cast):
    assert sorted(names(name="张")) == ["张三", "张山"]
    assert names(name="子龙") == ["赵子龙"]
    assert names(name="不存在") == []


def test_pinyin_initials_prefix(cast):
    assert sorted(names(initials="zs")) == ["张三", "张山"]
    assert names(initials="ZZL") == ["赵子龙"]  # case and width do not matter
    assert sorted(names(initials="z")) == sorted(
        ["张三", "张山", "周八", "周八", "郑一", "赵子龙"]
    )
    with pytest.raises(ApplicationError) as info:
        names(initials="张")
    assert info.value.code == ErrorCode.VALUE_INVALID


def test_id_number_full_prefix_and_last_digits(cast):
    zhangsan = cast.zhangsan.person
    assert names(id_number=zhangsan.id_number) == ["张三"]
    assert names(id_number=zhangsan.id_number.lower()) == ["张三"]
    assert names(id_number=zhangsan.id_number[:14]) == ["张三"]
    assert names(id_number=zhangsan.id_number[-4:]) == ["张三"]
    assert names(id_number=zhangsan.id_number[-6:]) == ["张三"]
    # The two 周八 differ in the region part: a region prefix tells them apart.
    assert names(id_number="110102") == ["周八"]
    assert names(id_number="１１０１０２") == ["周八"]  # full-width digits
    with pytest.raises(ApplicationError) as info:
        names(id_number="12")
    assert info.value.code == ErrorCode.ID_INVALID


def test_quick_search_box_detects_what_was_typed(cast):
    assert sorted(names(q="zs")) == ["张三", "张山"]
    assert names(q=cast.zhangsan.person.id_number[-4:]) == ["张三"]
    assert names(q="赵子") == ["赵子龙"]


def test_unit_by_id_and_by_name(cast):
    school = cast.units["school"]
    assert sorted(names(unit_id=school.pk)) == ["吴九", "孙十", "王芳"]
    assert sorted(names(unit_name="法院")) == ["周八", "赵子龙"]


def test_category_identity_education_rank(cast):
    assert sorted(names(category="political_legal")) == ["周八", "赵子龙"]
    assert sorted(names(category="政法专项编制")) == ["周八", "赵子龙"]
    assert names(category="logistics") == ["郑一"]
    assert names(identity="参公人员") == ["冯二"]
    assert sorted(names(identity="institution_staff")) == ["吴九", "孙十", "王芳"]
    assert names(education="研究生") == ["张山"]
    assert names(education="postgraduate") == ["张山"]
    assert names(rank="一级主任科员") == ["张三"]
    assert names(rank="professional_7") == ["王芳"]
    with pytest.raises(ApplicationError) as info:
        names(education="博士后")
    assert info.value.code == ErrorCode.VALUE_INVALID
    with pytest.raises(ApplicationError) as info:
        names(category="不存在的编制")
    assert info.value.code == ErrorCode.VALUE_INVALID


def test_age_bands_at_a_date(cast):
    # 张三 is born 1991-06-15: 35 on TODAY (2026-06-15), 34 the day before.
    assert "张三" in names(age_band="35_45")
    assert "张三" not in names(age_band="lt35")
    assert "张三" in names(age_band="lt35", as_of=TODAY - dt.timedelta(days=1))
    assert "张三" not in names(age_band="35_45", as_of=TODAY - dt.timedelta(days=1))
    assert sorted(names(age_band="ge55")) == ["冯二", "李四", "陈五"]
    assert sorted(names(age_band="45_55")) == sorted(["张山", "王芳", "郑一"])


def test_age_band_range_is_computed_once_from_the_date():
    day = dt.date(2024, 2, 29)
    assert age_band_range("35_45", day) == (dt.date(1979, 2, 28), dt.date(1989, 2, 28))
    assert age_band_range("lt35", day) == (dt.date(1989, 2, 28), None)
    assert age_band_range("ge55", day) == (None, dt.date(1969, 2, 28))
    with pytest.raises(ApplicationError) as info:
        age_band_range("old", day)
    assert info.value.code == ErrorCode.VALUE_INVALID


def test_entry_year_is_the_year_of_entering_the_unit(cast):
    assert "张三" in names(entry_year=2020)  # entered 2020, posted 2022
    assert names(entry_year=2022) == []
    assert names(entry_year=2021) == ["赵子龙"]
    assert names(entry_year=TODAY.year) == ["张山"]
    assert sorted(names(birth_date=dt.date(1985, 6, 7))) == ["吴九", "周八", "周八"]


def test_released_people_only_with_the_toggle(cast):
    assert "钱七" not in names()
    rows = search_persons(
        units=Unit.objects.all(),
        filters=PersonFilters(name="钱七", include_released=True),
        today=TODAY,
    ).rows
    assert [(r["person__name"], r["active"], r["end_reason"]) for r in rows] == [
        ("钱七", False, "resignation")
    ]
    # On a date before the release 钱七 was still in post.
    assert names(name="钱七", as_of=dt.date(2026, 5, 31)) == ["钱七"]
    assert names(name="钱七", as_of=dt.date(2019, 12, 31)) == []


def test_a_released_person_enrolled_again_counts_once(cast):
    enrolled_again = search_persons(
        units=Unit.objects.all(),
        filters=PersonFilters(include_released=True),
        today=TODAY,
        page_size=200,
    )
    ids = [r["person_id"] for r in enrolled_again.rows]
    assert len(ids) == len(set(ids)) == 14


def test_sorting_both_ways(cast):
    by_birth = names(sort="birth")
    assert by_birth[0] == "李四" and by_birth[-1] == "张三"
    assert names(sort="-birth") == list(reversed(by_birth))
    by_entry = names(sort="entry")
    assert by_entry[0] == "李四" and by_entry[-1] == "张山"
    assert by_entry.index("张三") == by_entry.index("赵子龙") - 1
    ids = [r["person__id_number"] for r in _page(sort="id").rows]
    assert ids == sorted(ids)
    with pytest.raises(ApplicationError) as info:
        names(sort="salary")
    assert info.value.code == ErrorCode.VALUE_INVALID


def _page(**kw):
    kw.setdefault("units", Unit.objects.all())
    kw.setdefault("filters", PersonFilters())
    kw.setdefault("today", TODAY)
    return search_persons(**kw)


def test_sort_by_unit_groups_each_unit(cast):
    rows = _page(sort="unit", page_size=200).rows
    units_in_order = [r["unit_id"] for r in rows]
    # Each unit's rows are together, and by name inside the unit.
    assert units_in_order == sorted(units_in_order)
    bureau = [
        r["person__name"] for r in rows if r["unit_id"] == cast.units["bureau"].pk
    ]
    assert bureau == sorted(bureau)


def test_paging_and_the_capped_count(cast):
    first = _page(page_size=5)
    second = _page(page_size=5, page=2)
    last = _page(page_size=5, page=3)
    assert (first.total, first.pages, first.capped) == (13, 3, False)
    seen = [r["person_id"] for p in (first, second, last) for r in p.rows]
    assert len(seen) == len(set(seen)) == 13
    assert first.has_next and not first.has_previous
    assert not last.has_next and last.has_previous
    assert (last.first_index, last.last_index) == (11, 13)
    capped = _page(page_size=5, count_cap=10)
    assert (capped.total, capped.capped, capped.has_next) == (10, True, True)
    exact = _page(count_cap=None)
    assert (exact.total, exact.capped) == (13, False)


def test_upper_bound_of_a_prefix():
    assert upper_bound("zs", "abcdefghijklmnopqrstuvwxyz") == "zt"
    assert upper_bound("az", "abcdefghijklmnopqrstuvwxyz") == "b"
    assert upper_bound("zz", "abcdefghijklmnopqrstuvwxyz") is None
    assert upper_bound("1109", "0123456789X") == "110X"


# --- scoping through accounts.access ------------------------------------------


def _user(username, role, **scope):
    system = Actor.system()
    user = user_create(actor=system, username=username, password="ceshi-mima-2024")
    role_assign(actor=system, user=user, role=role, **scope)
    return user


def test_unit_hr_sees_only_their_unit(cast, city):
    hr = _user("hr_school", "unit_hr", unit=cast.units["school"])
    found = names(units=units_in_scope(hr))
    assert sorted(found) == ["吴九", "孙十", "王芳"]
    # Naming another unit does not widen the scope.
    assert names(units=units_in_scope(hr), unit_id=cast.units["bureau"].pk) == []


def test_office_of_another_region_sees_nothing(cast, city):
    other_city = orgs.region_create_local(
        actor=Actor.system(), code="990200", name="另一市", level="city"
    )
    office = _user("office_other", "office_admin", region=other_city)
    assert names(units=units_in_scope(office)) == []
    assert names(units=units_in_scope(office), name="张") == []
    home_office = _user("office_home", "office_admin", region=city)
    assert len(names(units=units_in_scope(home_office))) == 13


def test_administrators_see_nothing(cast):
    admin = _user("sysadmin", "sys_admin")
    assert names(units=units_in_scope(admin)) == []


@pytest.mark.parametrize("sort", ["name", "-name", "unit", "birth", "-entry", "id"])
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"name": "九"},
        {"initials": "z"},
        {"age_band": "35_45"},
        {"category": "administrative"},
        {"unit_name": "局"},
        {"q": "zs"},
        {"education": "大学本科", "include_released": True},
        {"as_of": dt.date(2026, 5, 31)},
    ],
)
def test_broad_and_narrow_paths_give_the_same_pages(cast, sort, filters):
    """A capped (broad) search reads pages through the sort index; an uncapped
    one sorts all matches. Both must list the same rows in the same order."""
    for page in (1, 2):
        narrow = _page(
            filters=PersonFilters(**filters), sort=sort, page=page, page_size=3
        )
        broad = _page(
            filters=PersonFilters(**filters),
            sort=sort,
            page=page,
            page_size=3,
            count_cap=2,
        )
        assert [r["id"] for r in broad.rows] == [r["id"] for r in narrow.rows]


@pytest.mark.parametrize(
    "filters",
    [{}, {"name": "九"}, {"initials": "z"}, {"category": "administrative"}],
)
@pytest.mark.parametrize("count_cap", [None, 2])
def test_a_wide_partial_scope_like_a_district_office(
    cast, monkeypatch, filters, count_cap
):
    """More units than NARROW_SCOPE but not all: the scope is tested outside
    the per-person subquery. Same rows as filtering the full result."""
    from bianzhi.roster import search_query

    monkeypatch.setattr(search_query, "NARROW_SCOPE", 1)
    chosen = [cast.units[k].pk for k in ("bureau", "court", "school")]
    scoped = _page(
        units=Unit.objects.filter(pk__in=chosen),
        filters=PersonFilters(**filters),
        page_size=3,
        count_cap=count_cap,
    )
    everyone = _page(filters=PersonFilters(**filters), page_size=200)
    expected = [r["id"] for r in everyone.rows if r["unit_id"] in chosen][:3]
    assert [r["id"] for r in scoped.rows] == expected

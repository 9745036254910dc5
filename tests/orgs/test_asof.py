import datetime as dt

from bianzhi.orgs import selectors, services
from bianzhi.orgs.models import Unit

from .conftest import OFFICE, TODAY, establish

D = dt.date


def _history(city):
    unit = establish(
        city,
        "示例市甲局",
        rank="division",
        effective_date=D(2020, 1, 1),
        doc_no="初始化导入",
    )
    services.unit_rename(
        actor=OFFICE,
        unit=unit,
        name="示例市乙局",
        doc_no="示编〔2026〕3号",
        effective_date=TODAY,
        today=TODAY,
    )
    services.unit_change_rank(
        actor=OFFICE,
        unit=unit,
        rank="bureau",
        doc_no="示编〔2026〕4号",
        effective_date=TODAY,
        today=TODAY,
    )
    # Entered last, effective in between: history entered out of order.
    services.unit_rename(
        actor=OFFICE,
        unit=unit,
        name="示例市丙局",
        short_name="丙局",
        doc_no="示编〔2023〕7号",
        effective_date=D(2023, 3, 1),
        reason="补录2023年更名",
        today=TODAY,
    )
    unit.refresh_from_db()
    return unit


def test_as_of_shows_the_past_after_rename_rank_change_and_backdated_change(city):
    unit = _history(city)
    # The back-dated change does not overwrite the later rename on the row.
    assert (unit.name, unit.rank, unit.short_name) == ("示例市乙局", "bureau", "丙局")
    assert selectors.unit_as_of(unit, D(2019, 12, 31)) is None
    s2020 = selectors.unit_as_of(unit, D(2020, 1, 1))
    assert (s2020.name, s2020.rank, s2020.short_name) == ("示例市甲局", "division", "")
    s2024 = selectors.unit_as_of(unit, D(2024, 1, 1))
    assert (s2024.name, s2024.rank, s2024.short_name) == (
        "示例市丙局",
        "division",
        "丙局",
    )
    s_today = selectors.unit_as_of(unit, TODAY)
    assert (s_today.name, s_today.rank, s_today.rank_label) == (
        "示例市乙局",
        "bureau",
        "正厅",
    )
    assert s_today.status == "active" and s_today.is_active
    yesterday = selectors.unit_as_of(unit, TODAY - dt.timedelta(days=1))
    assert (yesterday.name, yesterday.rank) == ("示例市丙局", "division")


def test_lineage_is_ordered_by_effective_date(city):
    unit = _history(city)
    lineage = selectors.unit_lineage(unit)
    assert [(c.kind, c.effective_date) for c in lineage] == [
        ("establish", D(2020, 1, 1)),
        ("rename", D(2023, 3, 1)),
        ("rename", TODAY),
        ("change_rank", TODAY),
    ]
    backdated = lineage[1]
    assert backdated.before == {"name": "示例市甲局", "short_name": ""}
    assert backdated.after == {"name": "示例市丙局", "short_name": "丙局"}
    assert backdated.reason == "补录2023年更名" and backdated.actor_name == OFFICE.name


def test_revoked_unit_shows_revoked_only_from_its_date(city):
    unit = establish(
        city, "示例市撤销局", effective_date=D(2020, 1, 1), doc_no="初始化导入"
    )
    # Revocation belongs to matters (a later issue); emulate its row change.
    Unit.objects.filter(pk=unit.pk).update(
        status="revoked", revoked_on=D(2025, 1, 1), revoked_doc_no="示编〔2024〕9号"
    )
    unit.refresh_from_db()
    assert selectors.unit_as_of(unit, D(2024, 12, 31)).status == "active"
    after = selectors.unit_as_of(unit, D(2025, 1, 1))
    assert (after.status, after.revoked_doc_no, after.status_label) == (
        "revoked",
        "示编〔2024〕9号",
        "已撤销",
    )


def test_units_as_of_in_two_queries(city, django_assert_num_queries):
    for i in range(5):
        establish(city, f"局{i}")
    establish(city, "将来局", effective_date=TODAY + dt.timedelta(days=5))
    units = Unit.objects.filter(region=city)
    with django_assert_num_queries(2):
        states = selectors.units_as_of(units, TODAY)
    assert len(states) == 5
    assert len(selectors.units_as_of(units, TODAY + dt.timedelta(days=5))) == 6


def test_future_establishment_is_absent_before_its_date(city):
    future = TODAY + dt.timedelta(days=20)
    unit = establish(city, "将设立局", in_cap=True, effective_date=future)
    assert selectors.unit_as_of(unit, TODAY) is None
    assert selectors.unit_as_of(unit, future).name == "将设立局"
    assert selectors.in_cap_count(city, TODAY) == 0
    assert selectors.in_cap_count(city, future) == 1

"""A small city for the statistics form tests, built through the services.

Dates: NOW = 2026-06-15 (the roster helpers' TODAY), LAST = 2025-06-15 (one
year earlier). Between the two: people enrolled, released, transferred; the
bureau joined the agency cap; the school changed class; off-quota staff came
and went; a district unit exists only since 2026-01-01.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from bianzhi.orgs import services as orgs
from bianzhi.orgs.services_regions import agency_cap_set
from bianzhi.quota import services as quota
from bianzhi.roster import services
from tests.roster.helpers import (
    ADM,
    INS,
    OFFICE,
    PAST,
    PL,
    TODAY,
    establish,
    give,
    permit_for,
    person_data,
)

NOW = TODAY
LAST = dt.date(2025, 6, 15)
D = dt.date


def _enroll(unit, n, start, *, category=ADM, funding="full", channel="考录", **person):
    permit = permit_for(unit, category, funding, channel)  # where the channel needs one
    return services.person_enroll(
        permit=permit,
        actor=OFFICE,
        unit=unit,
        category=category,
        funding=funding,
        person=person_data(n, **person),
        channel=channel,
        start_date=start,
        today=max(start, NOW),
        doc_no="示编〔2026〕5号",
        reason="补录",
    )


def build(city, units) -> SimpleNamespace:
    w = SimpleNamespace(city=city, **units)
    w.district = orgs.region_create_local(
        actor=OFFICE, code="990102", name="示例区", level="county", parent=city
    )
    give(w.district, ADM, "full", 5, region=True)
    w.d_bureau = establish(
        w.district,
        "示例区财政局",
        effective_date=D(2026, 1, 1),
        in_cap=True,
    )
    quota.quota_grant(
        actor=OFFICE, unit=w.d_bureau, category=ADM, funding="full", amount=3,
        doc_no="示编〔2026〕2号", effective_date=D(2026, 1, 1), today=NOW, reason="补录",
    )  # fmt: skip
    common = dict(actor=OFFICE, doc_no="示编〔2020〕9号", today=NOW, reason="补录")
    agency_cap_set(region=city, cap=3, effective_date=PAST, **common)
    agency_cap_set(region=w.district, cap=2, effective_date=PAST, **common)
    agency_cap_set(region=w.district, cap=1, effective_date=D(2026, 1, 1), **common)
    orgs.unit_change_attributes(
        unit=w.other, changes={"in_cap": True}, effective_date=PAST, **common
    )
    orgs.unit_change_attributes(
        unit=w.bureau, changes={"in_cap": True}, effective_date=D(2025, 9, 1), **common
    )
    orgs.unit_change_attributes(
        unit=w.school,
        changes={"institution_class": "public_welfare_2"},
        effective_date=D(2026, 1, 1),
        **common,
    )

    # The bureau (administrative 5, logistics 2).
    w.p1 = _enroll(w.bureau, 1, D(2024, 3, 1), birth="19900301", rank="一级主任科员",
                   education="研究生")  # fmt: skip
    w.p2 = _enroll(w.bureau, 2, D(2023, 5, 1), birth="19690101", political_status="群众",
                   channel="调任")  # fmt: skip
    w.p3 = _enroll(w.bureau, 3, D(2024, 9, 1), birth="19990101", female=True,
                   political_status="共青团员", rank="二级科员")  # fmt: skip
    w.leaver = _enroll(w.bureau, 4, D(2022, 1, 1), birth="19830505", female=True)
    services.person_release(
        actor=OFFICE, posting=w.leaver, reason_code="辞职", exit_date=D(2026, 1, 10),
        today=NOW, reason="补录",
    )  # fmt: skip
    w.mover = _enroll(w.bureau, 5, D(2021, 4, 1), birth="19780808")
    w.moved = services.person_transfer(
        actor=OFFICE, person=w.mover.person_id, to_unit=w.other, category=ADM,
        funding="full", start_date=D(2026, 2, 1), doc_no="示编〔2026〕6号", today=NOW, reason="补录",
        permit=permit_for(w.other, ADM, "full", "transfer_in"),
    )  # fmt: skip
    w.worker = _enroll(w.bureau, 6, D(2025, 12, 1), category="logistics",
                       identity="机关工勤人员", birth="19880202", rank="工勤技能岗三级",
                       channel="招聘", ethnicity="回族")  # fmt: skip
    # The court: only this year.
    w.judge = _enroll(w.court, 7, D(2026, 3, 2), category=PL, birth="19940404",
                      education="大学专科", female=True)  # fmt: skip
    # The school (institutional full 3, partial 2): professional staff.
    inst = dict(category=INS, identity="事业人员", post_type="专业技术", channel="招聘")
    w.t1 = _enroll(w.school, 8, D(2020, 9, 1), birth="19730303", rank="专技岗六级",
                   ethnicity="回族", **inst)  # fmt: skip
    w.t2 = _enroll(w.school, 9, D(2025, 9, 1), funding="partial", birth="19980606",
                   rank="专技岗十二级", female=True, political_status="民盟",
                   **inst)  # fmt: skip
    # 参公 units.
    w.cs = _enroll(w.cs_inst, 10, D(2020, 3, 1), identity="参公人员", category=INS,
                   birth="19850707", rank="四级调研员")  # fmt: skip
    w.union = _enroll(w.mass, 11, D(2025, 6, 16), identity="参公人员",
                      birth="19920909")  # fmt: skip
    # The district unit (from 2026).
    w.dp = _enroll(w.d_bureau, 12, D(2026, 1, 5), birth="19960101",
                   education="大学专科")  # fmt: skip

    # Off-quota staff.
    off = dict(actor=OFFICE, today=NOW)
    w.off1 = services.offquota_add(
        unit=w.bureau, name="编外甲", id_number=person_data(50)["id_number"],
        employment_form="聘用", funding_source="财政资金", start_date=D(2024, 1, 1), **off,
    )  # fmt: skip
    w.off2 = services.offquota_add(
        unit=w.school, name="编外乙", id_number=person_data(51)["id_number"],
        employment_form="临时", funding_source="单位自有资金", start_date=D(2026, 1, 1),
        **off,
    )  # fmt: skip
    w.off3 = services.offquota_add(
        unit=w.bureau, name="编外丙", id_number=person_data(52)["id_number"],
        employment_form="劳务派遣", funding_source="财政资金", start_date=D(2023, 1, 1),
        **off,
    )  # fmt: skip
    services.offquota_end(actor=OFFICE, staff=w.off3, end_date=D(2026, 3, 1), today=NOW)
    return w

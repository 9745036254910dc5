"""The roster from the database as of the month (no --roster): postings in
force in the month, transfers within it, secondments, off-quota staff."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from bianzhi.reconcile import selectors
from bianzhi.reconcile.services import reconcile_run
from bianzhi.roster import services
from tests.conftest import grant_permit
from tests.roster.helpers import INS, OFFICE, TODAY, enroll, person_data, release

from .files import PAY_HEADER, SOC_HEADER, write

JAN = dt.date(2026, 1, 5)


def _people(units):
    # The initial load (初始化导入) needs no permit: the permit hook is on.
    bureau, other, school = units["bureau"], units["other"], units["school"]
    made = {}
    for n in (1, 2, 3, 4, 5):
        made[n] = enroll(
            bureau, person_data(n), start_date=JAN, reason="补录", channel="初始化导入"
        )
    made[6] = enroll(
        school,
        person_data(6, identity="事业人员", post_type="管理"),
        category=INS,
        funding="partial",
        start_date=JAN,
        reason="补录",
        channel="初始化导入",
    )
    services.person_transfer(
        actor=OFFICE,
        person=made[2].person,
        to_unit=other,
        category="administrative",
        funding="full",
        start_date=dt.date(2026, 6, 10),
        doc_no="示编〔2026〕9号",
        reason="调动补录",
        today=TODAY,
        permit=grant_permit(other, channel="transfer_in"),
    )
    services.secondment_record(
        actor=OFFICE,
        person=made[3].person,
        host_unit=other,
        start_date="2026-03-01",
        end_date="2026-12-31",
        doc_no="示编〔2026〕10号",
        today=TODAY,
    )
    release(made[5], exit_date=dt.date(2026, 3, 1), reason="补录")
    services.offquota_add(
        actor=OFFICE,
        unit=bureau,
        name="编外甲",
        id_number=person_data(30)["id_number"],
        employment_form="聘用",
        funding_source="财政资金",
        start_date="2025-01-01",
        today=TODAY,
    )
    return made


def test_roster_from_the_database_as_of_the_month(units, tmp_path):
    made = _people(units)
    bureau, other, school = units["bureau"], units["other"], units["school"]
    ids = {n: p.person.id_number for n, p in made.items()}
    names = {n: p.person.name for n, p in made.items()}

    def pay(unit, n, kind="在编"):
        return [
            "202606",
            unit.name,
            names.get(n, "编外甲"),
            ids.get(n, person_data(30)["id_number"]),
            kind,
            5000,
        ]

    payroll = write(
        tmp_path / "p.csv",
        PAY_HEADER,
        [
            pay(bureau, 1),
            pay(bureau, 2),
            pay(other, 3),
            pay(bureau, 5),
            pay(bureau, 30, "编外"),
            pay(school, 6),
        ],
    )
    social = write(
        tmp_path / "s.csv",
        SOC_HEADER,
        [
            ["202606", bureau.name, names[n], ids[n], "养老保险", "正常缴费"]
            for n in (1, 2, 3, 4)
        ],
    )
    run = reconcile_run(actor=OFFICE, month="2026-06", payroll=payroll, social=social)
    assert run.roster_source == "database"
    found = {(f.rule, f.id_number) for f in selectors.findings(run)}
    assert ("R1", ids[5]) in found  # released before June, still paid
    assert ("R2", ids[4]) in found  # in post all June, not paid
    assert ("R11", ids[6]) in found  # 财政补贴 account is not 统发 by default
    # Near misses: the transfer (paid and insured by the old unit), the
    # secondee (paid by the host), the public off-quota staff.
    for n in (2, 3, 30):
        assert not any(i == ids.get(n, person_data(30)["id_number"]) for _, i in found)
    assert run.counts["R7"] == 0 and run.counts["R8"] == 0
    finding = selectors.findings(run, rule="R2").get()
    assert finding.unit_id == bureau.pk and finding.unit_name == bureau.name
    assert run.persons == 5  # 1–4 and 6 (5 left in March)


def test_a_month_before_the_postings(units, tmp_path):
    made = _people(units)
    person = made[1].person
    payroll = write(
        tmp_path / "p.csv",
        PAY_HEADER,
        [["202512", units["bureau"].name, person.name, person.id_number, "在编", 5000]],
    )
    out = tmp_path / "o.csv"
    call_command(
        "reconcile",
        "--payroll",
        str(payroll),
        "--month",
        "2025-12",
        "--out",
        str(out),
        "--json",
        stdout=__import__("io").StringIO(),
        stderr=__import__("io").StringIO(),
    )
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert any(r.startswith("R1,") and person.id_number in r for r in rows)


def test_an_export_for_reconcile_judges_like_the_database(units, tmp_path):
    """`bianzhi export roster --for-reconcile` writes what --roster needs (the
    approved counts, the secondment in force, the off-quota staff), so the
    same month judged from that file finds what the database run finds."""
    made = _people(units)
    bureau, other = units["bureau"], units["other"]
    ids = {n: p.person.id_number for n, p in made.items()}
    names = {n: p.person.name for n, p in made.items()}
    off = person_data(30)["id_number"]
    payroll = write(
        tmp_path / "p.csv",
        PAY_HEADER,
        [
            ["202606", bureau.name, names[1], ids[1], "在编", 5000],
            ["202606", other.name, names[3], ids[3], "在编", 5000],  # the secondee
            ["202606", bureau.name, "编外甲", off, "编外", 3000],
        ],
    )
    social = write(
        tmp_path / "s.csv",
        SOC_HEADER,
        [["202606", other.name, names[3], ids[3], "养老保险", "正常缴费"]],
    )
    out = tmp_path / "roster.csv"
    call_command(
        "export", "roster", out=str(out), as_of="2026-06-30", for_reconcile=True
    )
    text = out.read_text(encoding="utf-8-sig")
    assert "核定编制数" in text and "借调单位" in text
    assert "编外甲" in text and ",编外," in text
    from_db = reconcile_run(
        actor=OFFICE, month="2026-06", payroll=payroll, social=social
    )
    from_file = reconcile_run(
        actor=OFFICE, month="2026-06", roster_path=out, payroll=payroll, social=social
    )

    def judged(run):
        return {
            (f.rule, f.id_number)
            for f in selectors.findings(run)
            if f.rule in ("R1", "R2", "R7", "R8")
        }

    assert judged(from_file) == judged(from_db)
    # The secondee paid and insured by the host, the public off-quota staff
    # paid: no finding either way.
    assert not {i for _, i in judged(from_file)} & {ids[3], off}
    assert ("R2", ids[4]) in judged(from_file)

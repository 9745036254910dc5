"""The roster export for reconciliation (`bianzhi export roster
--for-reconcile`): the import format plus what `bianzhi reconcile --roster`
needs to judge a file as it judges the database (DOMAIN §9) — each row's
account's approved count (R10: occupied > approved), the secondment in force
(R7/R8), and the off-quota staff as rows of 编制类型「编外」 (R1, R10), with
经费形式 财政拨款 when paid from public funds. Such a file is not for
re-import: 「编外」 is not a quota category.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from bianzhi.core.codes import mask_id_number
from bianzhi.orgs.models import Unit
from bianzhi.quota.models import Funding
from bianzhi.roster.models import OffQuotaStaff, Secondment
from bianzhi.roster.values import FundingSource

EXTRA_HEADERS = ["核定编制数", "借调单位", "借调开始日期", "借调结束日期"]
OFF_QUOTA_CATEGORY = "编外"


def secondments_in_force(person_ids, day: dt.date) -> dict[int, tuple[str, Any, Any]]:
    """person id -> (host unit name, start, end) of the secondment in force."""
    found: dict[int, tuple[str, Any, Any]] = {}
    rows = (
        Secondment.objects.filter(person_id__in=person_ids, start_date__lte=day)
        .filter(
            Q(ended_on__isnull=True, end_date__gte=day)
            | Q(ended_on__isnull=False, ended_on__gte=day)
        )
        .order_by("start_date")
        .values_list(
            "person_id", "host_unit__name", "start_date", "end_date", "ended_on"
        )
    )
    for person_id, host, start, end, ended in rows.iterator(chunk_size=5000):
        found[person_id] = (host, start, ended or end)
    return found


def off_quota_rows(
    day: dt.date,
    regions: set[str] | None,
    unit_ids: list[int] | None,
    *,
    keys: list[str],
    full_id: bool,
    seq: int,
) -> Iterator[list[Any]]:
    """Off-quota staff in post on `day` as rows of the roster columns `keys`
    followed by the extra ones (left empty): 编制类型「编外」, 经费形式
    财政拨款 when paid from public funds, else 经费自理."""
    staff = OffQuotaStaff.objects.filter(start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    if regions is not None:
        staff = staff.filter(unit__region_id__in=regions)
    if unit_ids is not None:
        staff = staff.filter(unit_id__in=unit_ids)
    units = {
        pk: (name, uscc)
        for pk, name, uscc in Unit.objects.filter(
            pk__in=staff.values("unit_id")
        ).values_list("pk", "name", "uscc")
    }
    width = len(keys) + len(EXTRA_HEADERS)
    for unit_id, name, number, source, start in (
        staff.order_by("unit_id", "id")
        .values_list("unit_id", "name", "id_number", "funding_source", "start_date")
        .iterator(chunk_size=5000)
    ):
        seq += 1
        unit_name, uscc = units.get(unit_id, ("", ""))
        values = {
            "seq": seq,
            "unit_name": unit_name,
            "uscc": uscc,
            "name": name,
            "id_number": number if full_id else mask_id_number(number),
            "category": OFF_QUOTA_CATEGORY,
            "funding": Funding.FULL.label
            if source == FundingSource.PUBLIC
            else Funding.SELF.label,
            "entered_unit_on": start,
        }
        row: list[Any] = [""] * width
        for key, value in values.items():
            row[keys.index(key)] = value
        yield row

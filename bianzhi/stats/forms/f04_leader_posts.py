"""Form 4 领导职数配备情况表 (DOMAIN §8): approved vs appointed leader posts
per level (省部级 … 乡科级) and kind (正职/副职), with the posts over-filled
(超配) and vacant (空缺).

A post key is (unit, scope, internal body, level, kind) as in
quota.leader_posts; its approved count on D is the latest version on or
before D, and its appointed count the appointments in force on D. 超配 and 空缺
are taken per key and then summed, so one unit can show both (a deputy post
over-filled while a chief post is vacant). As in leader_posts_as_of, the
quota of an internal body abolished by D no longer counts unless people
still hold it.

Rows follow stats/rows.py (sub-regions, then units; a unit selection lists
each unit's post keys under it). Units without any leader post or
appointment on the date are left out.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count

from bianzhi.orgs.models import InternalBody
from bianzhi.quota.models import (
    LeaderKind,
    LeaderLevel,
    LeaderPostQuota,
    LeaderPostScope,
)
from bianzhi.roster.models import Appointment
from bianzhi.roster.selectors import in_force

from ..base import Column, Form, FormResult, Row, Selection, register
from ..rows import add_into, layout
from ..scope import unit_states, units_in

LEVELS = dict(LeaderLevel.choices)
KINDS = dict(LeaderKind.choices)
DEFAULT_LEVELS = ("county", "township")
SCOPE_ORDER = {s: i for i, s in enumerate(LeaderPostScope.values)}
LEVEL_ORDER = {s: i for i, s in enumerate(LeaderLevel.values)}
KIND_ORDER = {s: i for i, s in enumerate(LeaderKind.values)}
TOTALS = [
    ("approved", "核定职数"),
    ("appointed", "实配职数"),
    ("over", "超配职数"),
    ("vacant", "空缺职数"),
]


def _key(level: str, kind: str, measure: str) -> str:
    return f"{level}_{kind}_{measure}"


class LeaderPosts(Form):
    name = "leader_posts"
    number = 4
    title = "领导职数配备情况表"
    yoy = True

    def compute(self, selection: Selection) -> FormResult:
        as_of = selection.as_of
        units = units_in(selection)
        unit_ids = units.values("id")
        every = LeaderPostQuota.objects.filter(unit_id__in=unit_ids)
        levels = set(every.values_list("level", flat=True).distinct())
        levels |= set(
            Appointment.objects.filter(unit_id__in=unit_ids)
            .values_list("level", flat=True)
            .distinct()
        )
        levels = sorted(
            levels or set(DEFAULT_LEVELS), key=lambda v: LEVEL_ORDER.get(v, 9)
        )
        columns = [Column("name", "区划/单位/职数", kind="text", total=False)]
        for level in levels:
            for kind in LeaderKind.values:
                group = f"{LEVELS.get(level, level)}{KINDS[kind]}"
                columns += [
                    Column(_key(level, kind, "approved"), "核定", group=group),
                    Column(_key(level, kind, "appointed"), "实配", group=group),
                ]
        columns += [Column(k, label, group="合计") for k, label in TOTALS]
        numeric = [c.key for c in columns if c.kind != "text"]

        # The version in force per key: the latest on or before the date.
        counts: dict[tuple, int] = {}
        for unit_id, scope, body, level, kind, count in (
            every.filter(effective_date__lte=as_of)
            .order_by("effective_date", "id")
            .values_list(
                "unit_id", "scope", "internal_body_id", "level", "kind", "count"
            )
        ):
            counts[(unit_id, scope, body, level, kind)] = count
        appointed = {
            (unit_id, scope, body, level, kind): n
            for unit_id, scope, body, level, kind, n in Appointment.objects.filter(
                in_force(as_of), unit_id__in=unit_ids
            )
            .values_list("unit_id", "scope", "internal_body_id", "level", "kind")
            .annotate(n=Count("id"))
            .order_by()
        }
        body_ids = {k[2] for k in (*counts, *appointed) if k[2]}
        bodies = {
            pk: (name, gone)
            for pk, name, gone in InternalBody.objects.filter(
                id__in=sorted(body_ids)
            ).values_list("id", "name", "abolished_on")
        }
        keys_by_unit: dict[int, list[tuple]] = defaultdict(list)
        key_cells: dict[tuple, dict] = {}
        for key in set(counts) | set(appointed):
            unit_id, scope, body, level, kind = key
            count = counts.get(key, 0)
            in_use = appointed.get(key, 0)
            gone = body is not None and bodies.get(body, ("", None))[1]
            if (gone and gone <= as_of or count == 0) and in_use == 0:
                continue
            cells = dict.fromkeys(numeric, 0)
            cells.update(
                {
                    _key(level, kind, "approved"): count,
                    _key(level, kind, "appointed"): in_use,
                    "approved": count,
                    "appointed": in_use,
                    "over": max(in_use - count, 0),
                    "vacant": max(count - in_use, 0),
                }
            )
            key_cells[key] = cells
            keys_by_unit[unit_id].append(key)

        def unit_cells(state) -> dict:
            cells = {"name": state.name, **dict.fromkeys(numeric, 0)}
            for key in keys_by_unit.get(state.id, ()):
                add_into(cells, key_cells[key], numeric)
            return cells

        def key_label(key: tuple) -> str:
            _unit, scope, body, level, kind = key
            if scope == LeaderPostScope.INTERNAL_BODY:
                where = f"内设机构：{bodies.get(body, ('', None))[0]}"
            else:
                where = LeaderPostScope(scope).label
            return f"{where}·{LEVELS.get(level, level)}{KINDS.get(kind, kind)}"

        place = layout(selection, unit_states(selection))
        rows: list[Row] = []
        totals = {"name": "合计", **dict.fromkeys(numeric, 0)}
        for region in place.top_regions:
            cells = {"name": region.name, **dict.fromkeys(numeric, 0)}
            for state in place.units_by_top.get(region.code, ()):
                add_into(cells, unit_cells(state), numeric)
            rows.append(
                Row(
                    cells,
                    level=0,
                    drill={"region": region.code},
                    key=f"region:{region.code}",
                )
            )
            add_into(totals, cells, numeric)
        for state in place.own_units:
            if state.id not in keys_by_unit and state.id != selection.unit_id:
                continue
            cells = unit_cells(state)
            add_into(totals, cells, numeric)
            if not place.unit_selection:
                rows.append(
                    Row(
                        cells,
                        level=1,
                        drill={"unit": str(state.id)},
                        key=f"unit:{state.id}",
                    )
                )
                continue
            depth = place.depth.get(state.id, 0)
            rows.append(
                Row(
                    {**cells, "name": "　" * depth + state.name},
                    level=1,
                    drill=None
                    if state.id == selection.unit_id
                    else {"unit": str(state.id)},
                    subtotal=True,
                    key=f"unit:{state.id}",
                )
            )
            for key in sorted(
                keys_by_unit.get(state.id, ()),
                key=lambda k: (
                    SCOPE_ORDER.get(k[1], 9),
                    k[2] or 0,
                    LEVEL_ORDER.get(k[3], 9),
                    KIND_ORDER.get(k[4], 9),
                ),
            ):
                rows.append(
                    Row(
                        {**key_cells[key], "name": "　" * (depth + 1) + key_label(key)},
                        level=2,
                        key="post:" + ":".join(str(p or "") for p in key),
                    )
                )
        return FormResult(
            form=self.name,
            title=self.title,
            selection=selection,
            columns=columns,
            rows=rows,
            totals=totals,
            notes=[
                "超配职数、空缺职数按每一职数（单位或内设机构×职务层次×正副职）"
                "分别计算后汇总；含单位领导职数和内设机构领导职数。"
            ],
        )


register(LeaderPosts())

"""Conversion with postings (编制性质/经费形式调整带人). Part of matters.services
(re-exported there); the decisions are written down in its docstring."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.quota import rules as quota_rules
from bianzhi.quota.models import HolderKind, MovementKind, QuotaAccount, QuotaMovement
from bianzhi.quota.selectors import resolve_category
from bianzhi.roster.models import Appointment, MoveKind, Posting

from . import common
from .common import fits, system_key, unit_key

EXTERNAL = HolderKind.EXTERNAL


# --- conversion with postings ---------------------------------------------------------------


def _posting_ids(persons) -> list[int] | None:
    if persons is None:
        return None
    if isinstance(persons, (str, bytes)) or not hasattr(persons, "__iter__"):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "随调人员应为在编记录列表", field="persons"
        )
    ids = []
    for value in persons:
        pk = getattr(value, "pk", value)
        try:
            ids.append(int(pk))
        except (TypeError, ValueError):
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"在编记录「{value}」无效", field="persons"
            ) from None
    if len(set(ids)) != len(ids):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "随调人员有重复", field="persons"
        )
    return ids


def account_conversion(
    *,
    actor: Actor,
    unit,
    category,
    funding,
    to_category,
    to_funding,
    amount,
    doc_no,
    effective_date,
    persons=None,
    approval_ref: str = "",
    reason: str = "",
    today: dt.date | None = None,
) -> QuotaMovement:
    """编制性质/经费形式调整 with the postings that move along (see module docstring)."""
    args = common.prepare(
        actor=actor,
        doc_no=doc_no,
        effective_date=effective_date,
        reason=reason,
        today=today,
        approval_ref=approval_ref,
        what="调整",
        funding=funding,
        amount=amount,
    )
    cat, to_cat = resolve_category(category), resolve_category(to_category)
    fund, to_fund = args.funding, quota_rules.parse_funding(to_funding)
    if (cat.code, fund) == (to_cat.code, to_fund):
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            "调整前后的编制类型和经费形式相同",
            field="to_category",
        )
    what = (
        f"{cat.name}·{quota_rules.FUNDING_LABELS[fund]}调整为"
        f"{to_cat.name}·{quota_rules.FUNDING_LABELS[to_fund]}"
    )
    quota_rules.check_reverse_flow(
        from_rank=cat.rank,
        from_funding=fund,
        to_rank=to_cat.rank,
        to_funding=to_fund,
        approval_ref=args.approval_ref,
        description=what,
    )
    wanted = _posting_ids(persons)
    n, on, unit_id = args.amount, args.effective_date, common.unit_id_of(unit)
    if wanted is not None and len(wanted) > n:
        raise ApplicationError(
            ErrorCode.QUOTA_FULL,
            f"随调人员{len(wanted)}名超过调整编制数{n}名",
            field="persons",
        )
    with transaction.atomic():
        in_account = Posting.objects.filter(
            unit_id=unit_id,
            end_date__isnull=True,
            account__category=cat,
            account__funding=fund,
        )
        common.lock_persons(in_account.values_list("person_id", flat=True))
        unit = common.lock_units([unit_id])[unit_id]
        common.require_active(unit)
        key, to_key = (
            unit_key(unit, cat.code, fund),
            unit_key(unit, to_cat.code, to_fund),
        )
        source = QuotaAccount.objects.filter(**key.lookup()).first()
        if source is None:
            raise ApplicationError(
                ErrorCode.ACCOUNT_UNKNOWN,
                f"{unit.name}没有{cat.name}·{quota_rules.FUNDING_LABELS[fund]}账户",
                field="category",
            )
        quota_rules.check_unit_may_hold(
            unit_kind=unit.kind,
            unit_name=unit.name,
            category_code=to_cat.code,
            category_name=to_cat.name,
            allowed_unit_kinds=to_cat.allowed_unit_kinds,
            full_funding_only=to_cat.full_funding_only,
            funding=to_fund,
        )
        opened, changes = common.open_unit_accounts(
            [key, to_key], units={unit.pk: unit}
        )
        source, target = opened[key], opened[to_key]
        current = list(
            in_account.select_for_update(of=("self",))
            .select_related("person")
            .order_by("id")
        )
        if wanted is None:
            need = max(0, source.occupied + source.reserved - (source.approved - n))
            fitting = []
            for posting in current:
                try:
                    fits(posting.person, target, unit)
                except ApplicationError:
                    continue
                fitting.append(posting)
            if len(fitting) < need:
                raise ApplicationError(
                    ErrorCode.CATEGORY_MISMATCH,
                    f"调整后{quota_rules.FUNDING_LABELS[fund]}{cat.name}尚需转出"
                    f"{need}名人员，但符合{to_cat.name}身份要求的只有{len(fitting)}名",
                    field="persons",
                )
            chosen = fitting[:need]
        else:
            by_id = {p.pk: p for p in current}
            missing = [pk for pk in wanted if pk not in by_id]
            if missing:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID,
                    f"第{missing[0]}号在编记录不在{unit.name}该编制账户在编",
                    field="persons",
                )
            chosen = [by_id[pk] for pk in wanted]
            for posting in chosen:
                fits(posting.person, target, unit)
        common.check_postings_dated(chosen, on, "调整")
        for posting in chosen:
            following = list(
                Appointment.objects.filter(posting=posting, end_date__isnull=True)
            )
            new, written = common.move_posting(
                posting,
                source=source,
                target=target,
                unit=unit,
                on=on,
                doc_no=args.doc_no,
                kind=MoveKind.CONVERSION,
                today=args.today,
                approval_ref=args.approval_ref,
            )
            changes += written
            for appointment in following:
                before = audit.snapshot(appointment)
                appointment.posting = new
                appointment.save(update_fields=["posting"])
                changes.append(
                    audit.change(appointment, before, audit.snapshot(appointment))
                )
        movement, written = common.movement(
            args,
            kind=MovementKind.CONVERSION,
            region_id=unit.region_id,
            legs=[
                (key, -n),
                (to_key, n),
                (system_key(unit.region_id, EXTERNAL, cat.code, fund), n),
                (system_key(unit.region_id, EXTERNAL, to_cat.code, to_fund), -n),
            ],
            units=[unit],
        )
        changes += written
        audit.record(
            actor=actor,
            operation="account_conversion",
            records=changes,
            doc_no=args.doc_no,
            summary=f"调整 {unit.name} {what} {n}名，随调人员{len(chosen)}名",
        )
    return movement

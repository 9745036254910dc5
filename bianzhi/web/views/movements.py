"""编制变动台账: the ledger movements in scope, filtered and paged, and one movement."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bianzhi.accounts.access import (
    access_region,
    access_unit,
    region_codes_in_scope,
    units_in_scope,
)
from bianzhi.core.dates import parse_optional_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.orgs.models import Region
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.models import (
    Funding,
    MovementKind,
    QuotaAccount,
    QuotaCategory,
    QuotaMovement,
)
from bianzhi.web.errors import web_view
from bianzhi.web.labels import category_name, funding_label
from bianzhi.web.scoping import access_movement, restrict_movements

PAGE_SIZE = 50


def _accounts(movements) -> dict[int, QuotaAccount]:
    ids = {leg.get("account") for m in movements for leg in (m.legs or [])}
    return QuotaAccount.objects.select_related("unit", "category", "region").in_bulk(
        [i for i in ids if i is not None]
    )


def movement_legs(
    movement: QuotaMovement, accounts: dict[int, QuotaAccount] | None = None
) -> list[dict]:
    """The legs as planned (pending movements have no entries yet)."""
    if accounts is None:
        accounts = _accounts([movement])
    rows = []
    for leg in movement.legs or []:
        account = accounts.get(leg.get("account"))
        if account is None:
            continue
        holder = (
            account.unit.name if account.unit_id else account.get_holder_kind_display()
        )
        rows.append(
            {
                "account": account,
                "holder": holder,
                "unit_id": account.unit_id,
                "region": account.region,
                "category": category_name(account.category),
                "funding": funding_label(account.funding),
                "amount": leg.get("amount"),
            }
        )
    return rows


def movement_rows(movements) -> list[dict]:
    """Movements with their legs, for the ledger tables (one query for all legs)."""
    movements = list(movements)
    accounts = _accounts(movements)
    rows = []
    for movement in movements:
        legs = movement_legs(movement, accounts)
        amount = sum(leg["amount"] for leg in legs if (leg["amount"] or 0) > 0)
        rows.append({"movement": movement, "legs": legs, "amount": amount})
    return rows


def _filters(request: HttpRequest) -> dict:
    get = request.GET
    return {
        key: get.get(key, "").strip()
        for key in (
            "region",
            "unit",
            "account",
            "category",
            "funding",
            "kind",
            "doc_no",
            "date_from",
            "date_to",
            "status",
        )
    }


@web_view
def movement_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    user = request.user
    unit = None
    region_codes = None
    if filters["unit"]:
        unit, _actor = access_unit(user, filters["unit"], Permission.VIEW_ORGS)
    if filters["region"]:
        region, _actor = access_region(user, filters["region"], Permission.VIEW_ORGS)
        region_codes = [region.code]
    if filters["kind"] and filters["kind"] not in MovementKind.values:
        raise ApplicationError(ErrorCode.VALUE_INVALID, f"变动类型：{filters['kind']}")
    date_from = parse_optional_date(filters["date_from"], field="date_from")
    date_to = parse_optional_date(filters["date_to"], field="date_to")
    movements = quota_selectors.movements_queryset(
        region_codes=region_codes,
        unit=unit,
        kind=filters["kind"] or None,
        doc_no=filters["doc_no"] or None,
        date_from=date_from,
        date_to=date_to,
        status=filters["status"] or None,
    )
    account = None
    if filters["account"]:
        account = _account_in_scope(user, filters["account"])
        movements = movements.filter(
            pk__in=QuotaMovement.objects.filter(entries__account=account).values("pk")
        )
    if filters["category"] or filters["funding"]:
        legs = QuotaMovement.objects.all()
        if filters["category"]:
            legs = legs.filter(entries__account__category_id=filters["category"])
        if filters["funding"]:
            legs = legs.filter(entries__account__funding=filters["funding"])
        movements = movements.filter(pk__in=legs.values("pk"))
    movements = restrict_movements(user, movements)
    page = Paginator(movements, PAGE_SIZE).get_page(request.GET.get("page"))
    codes = region_codes_in_scope(user)
    return render(
        request,
        "web/movement_list.html",
        {
            "page": page,
            "rows": movement_rows(page.object_list),
            "filters": filters,
            "unit": unit,
            "account": account,
            "kinds": MovementKind.choices,
            "categories": QuotaCategory.objects.all(),
            "fundings": Funding.choices,
            "statuses": QuotaMovement.Status.choices,
            "regions": Region.objects.filter(code__in=codes).order_by("code"),
            "units": units_in_scope(user)
            .select_related("region")
            .order_by("region_id", "name"),
        },
    )


def _account_in_scope(user, raw: str) -> QuotaAccount:
    try:
        account = QuotaAccount.objects.select_related("unit", "category").get(
            pk=int(raw)
        )
    except (QuotaAccount.DoesNotExist, ValueError):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE) from None
    if account.unit_id:
        access_unit(user, account.unit_id, Permission.VIEW_ORGS)
    else:
        access_region(user, account.region_id, Permission.VIEW_ORGS)
    return account


@web_view
def movement_detail(request: HttpRequest, movement_id: int) -> HttpResponse:
    movement = access_movement(request.user, movement_id)
    related = list(
        restrict_movements(
            request.user,
            QuotaMovement.objects.filter(related=movement),
        )
    )
    can_reverse = True
    try:
        access_region(request.user, movement.region_id, Permission.MANAGE_QUOTA)
    except ApplicationError:
        can_reverse = False
    return render(
        request,
        "web/movement_detail.html",
        {
            "m": movement,
            "legs": movement_legs(movement),
            "related": related,
            "loan": getattr(movement, "loan", None)
            if movement.kind == MovementKind.LOAN
            else None,
            "can_reverse": can_reverse,
        },
    )

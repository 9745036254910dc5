"""Display helpers: labels for codes whatever shape a selector hands back."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from bianzhi.quota.models import Funding, QuotaCategory

_category_names: dict[str, str] = {}


def category_code(value: Any) -> str:
    return str(getattr(value, "code", value) or "")


def category_name(value: Any) -> str:
    name = getattr(value, "name", None)
    if name:
        return str(name)
    code = category_code(value)
    if code not in _category_names:
        found = QuotaCategory.objects.filter(code=code).values_list("name", flat=True)
        _category_names[code] = found.first() or code
    return _category_names[code]


def funding_label(value: Any) -> str:
    value = str(getattr(value, "value", value) or "")
    return Funding(value).label if value in Funding.values else value


def movements_url(**params: Any) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse("web:movements") + ("?" + urlencode(query) if query else "")


def account_row(view: Any) -> dict[str, Any]:
    """An AccountView as a plain row for templates, with the links of its counts."""
    account = view.account
    account_id = getattr(account, "pk", account)
    unit_id = getattr(account, "unit_id", None)
    loans = []
    for loan in getattr(view, "loans", None) or []:
        loans.append(
            {
                "amount": getattr(loan, "outstanding", getattr(loan, "amount", "")),
                "due_date": getattr(loan, "due_date", None),
                "movement_id": getattr(
                    getattr(loan, "loan", loan), "movement_id", None
                ),
            }
        )
    return {
        "account_id": account_id,
        "holder_kind": getattr(account, "holder_kind", ""),
        "holder_label": account.get_holder_kind_display()
        if hasattr(account, "get_holder_kind_display")
        else "",
        "category": category_code(view.category),
        "category_name": category_name(view.category),
        "funding": str(getattr(view.funding, "value", view.funding)),
        "funding_label": funding_label(view.funding),
        "approved": view.approved,
        "occupied": view.occupied,
        "reserved": view.reserved,
        "vacancy": view.vacancy,
        "over": view.over,
        "borrowed": getattr(view, "borrowed", 0) or 0,
        "loans": loans,
        "over_since": getattr(view, "over_since", None),
        "approved_url": movements_url(account=account_id),
        "borrowed_url": movements_url(unit=unit_id, kind="loan") if unit_id else "",
    }

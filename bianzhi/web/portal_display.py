"""How field-change requests read on the pages: labels, masked IDs, accounts.

Shared by the unit portal (views/portal.py) and the office's review
(views/requests.py). ID numbers are masked like every list (roster_fields).
"""

from __future__ import annotations

from typing import Any

from bianzhi.quota.models import QuotaAccount
from bianzhi.quota.rules import FUNDING_LABELS
from bianzhi.roster.models import FieldChangeRequest, FieldChangeStatus, LockedField
from bianzhi.roster.values import IDENTITY
from bianzhi.web.roster_fields import shown_id

STATUS_BADGES = {
    FieldChangeStatus.PENDING: "warning",
    FieldChangeStatus.APPROVED: "success",
    FieldChangeStatus.REFUSED: "danger",
    FieldChangeStatus.WITHDRAWN: "secondary",
}


def account_text(account: QuotaAccount) -> str:
    return f"{account.category.name}·{FUNDING_LABELS.get(account.funding, account.funding)}"


def _accounts(requests: list[FieldChangeRequest]) -> dict[int, str]:
    ids = set()
    for r in requests:
        if r.field == LockedField.ACCOUNT:
            for value in (r.old_value, r.new_value):
                if value.isdigit():
                    ids.add(int(value))
    return {
        a.pk: account_text(a)
        for a in QuotaAccount.objects.filter(pk__in=ids).select_related("category")
    }


def value_text(field: str, value: str, accounts: dict[int, str]) -> str:
    if value == "":
        return "—"
    if field == LockedField.ID_NUMBER:
        return shown_id(value)
    if field == LockedField.IDENTITY:
        return IDENTITY.label(value) if value in IDENTITY else value
    if field == LockedField.ACCOUNT and value.isdigit():
        return accounts.get(int(value), f"#{value}")
    return value


def request_rows(requests) -> list[dict[str, Any]]:
    """Each request with its old → new as the pages show them."""
    requests = list(requests)
    accounts = _accounts(requests)
    rows = []
    for r in requests:
        new = value_text(r.field, r.new_value, accounts)
        basis = r.extra.get("certified_basis") if r.extra else ""
        if basis:
            new += f"（依据：{basis}）"
        rows.append(
            {
                "request": r,
                "field_label": r.get_field_display(),
                "old": value_text(r.field, r.old_value, accounts),
                "new": new,
                "status_label": r.get_status_display(),
                "badge": STATUS_BADGES.get(r.status, "secondary"),
                "pending": r.status == FieldChangeStatus.PENDING,
            }
        )
    return rows

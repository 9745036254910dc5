"""Assertions shared by the API tests."""

from __future__ import annotations

from bianzhi.core.models import AuditEvent
from bianzhi.orgs.models import AgencyCap, InternalBody, Mandate, Unit, UnitChange
from bianzhi.quota.models import LeaderPostQuota, QuotaAccount, QuotaMovement


def counts() -> dict[str, int]:
    """Row counts of everything a write could add."""
    return {
        "movements": QuotaMovement.objects.count(),
        "accounts": QuotaAccount.objects.count(),
        "units": Unit.objects.count(),
        "unit_changes": UnitChange.objects.count(),
        "internal_bodies": InternalBody.objects.count(),
        "mandates": Mandate.objects.count(),
        "leader_posts": LeaderPostQuota.objects.count(),
        "agency_caps": AgencyCap.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def approved(unit, category="administrative", funding="full") -> int:
    account = QuotaAccount.objects.filter(
        unit=unit, category_id=category, funding=funding
    ).first()
    return account.approved if account else 0


def reserve(region, category="administrative", funding="full") -> int:
    account = QuotaAccount.objects.filter(
        region=region, holder_kind="reserve", category_id=category, funding=funding
    ).first()
    return account.approved if account else 0


def assert_refused(response, code: str, http_status: int, field: str | None = None):
    """The catalogue's answer: exact code, HTTP status and a Chinese message."""
    assert response.status_code == http_status, response.content.decode()
    body = response.json()
    assert body["code"] == code, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    if field is not None:
        assert body.get("field") == field, body
    return body

"""The enrollment filing's batch (入编备案, DOMAIN §4 item 3): the persons
listed against a permit, and the roster checks of the review step.

Payload of an "enrollment_filing" request (built by enrollment_intake.build):
    permit      the permit's number (用编核准编号) of the request's unit
    permit_id   its id (informational; the number decides)
    account_id, category, funding, channel
                copied from the permit's account when the draft is made, for
                the pages; the permit decides again at every check
    doc_no      optional 文号 of the unit's enrollment decision
    persons     rows: name, id_number, gender, birth_date, ethnicity,
                political_status, education, degree, position_title, post_type,
                work_start_date, identity (default: what the account's category
                takes, see default_identity)

Every check here reads only; the effect (kinds_enrollment.apply_enrollment)
enrolls through person_enroll, which re-checks everything on locked rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit
from bianzhi.quota.models import Permit, QuotaAccount
from bianzhi.quota.rules import FUNDING_LABELS

from . import rules
from .models import Posting
from .services_common import PersonInput, parse_person
from .values import CHANNEL, IDENTITY, Identity, PermitNeed, channel_permit_need

# The keys a person row may carry (a subset of services_common.PERSON_KEYS).
ROW_KEYS = (
    "name",
    "id_number",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "degree",
    "position_title",
    "post_type",
    "work_start_date",
    "identity",
)
GENDER_WORDS = {"男": "M", "女": "F", "m": "M", "f": "F", "M": "M", "F": "F"}


@dataclass
class Batch:
    unit: Unit
    permit: Permit
    account: QuotaAccount
    persons: list[PersonInput]
    rows: list[dict]  # the rows as given (after default identity)


def default_identity(account: QuotaAccount, unit: Unit) -> str:
    """The identity the account's category takes in this unit (DOMAIN §3.4)."""
    code = account.category_id
    if code in ("administrative", "political_legal"):
        if unit.kind == "mass_org" and unit.civil_service_managed:
            return Identity.CS_MANAGED
        return Identity.CIVIL_SERVANT
    if code == "institutional":
        if unit.kind == "institution" and unit.civil_service_managed:
            return Identity.CS_MANAGED
        return Identity.INSTITUTION_STAFF
    if code == "logistics":
        return Identity.LOGISTICS_WORKER
    accepted = list(account.category.accepted_identities or [])
    return accepted[0] if accepted else ""


def _row_error(exc: ApplicationError, index: int, name: str) -> ApplicationError:
    """The row's error, told with its row number and person (field "persons")."""
    who = f"第{index + 1}行" + (f"（{name}）" if name else "")
    return ApplicationError(
        exc.code,
        f"{who}：{exc.message}",
        field="persons",
        params={**exc.params, "row": index, "column": exc.field or ""},
    )


def clean_row(row, account: QuotaAccount, unit: Unit) -> dict:
    if not isinstance(row, dict):
        raise ApplicationError(ErrorCode.VALUE_INVALID, "人员行格式不正确")
    out = {
        key: str(row.get(key) or "").strip()
        for key in ROW_KEYS
        if str(row.get(key) or "").strip()
    }
    if "gender" in out:
        out["gender"] = GENDER_WORDS.get(out["gender"], out["gender"])
    out.setdefault("identity", default_identity(account, unit))
    return out


def parse_rows(
    rows, *, account: QuotaAccount, unit: Unit, today: dt.date
) -> tuple[list[dict], list[PersonInput]]:
    """Each row parsed as person_enroll will (ID checksum and birth date,
    gender agreeing with the ID, value sets), the identity fitting the
    account's category, and no ID twice in the batch."""
    if not isinstance(rows, list) or not rows:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "请列出入编人员", field="persons"
        )
    cleaned, parsed, seen = [], [], {}
    category = account.category
    for index, row in enumerate(rows):
        name = str(row.get("name") or "") if isinstance(row, dict) else ""
        try:
            data = clean_row(row, account, unit)
            person = parse_person(data, today=today)
            rules.identity_fits_category(
                person.fields["identity"],
                category.code,
                category.accepted_identities,
                unit.kind,
                unit.civil_service_managed,
                category_name=category.name,
            )
        except ApplicationError as exc:
            raise _row_error(exc, index, name) from None
        number = person.fields["id_number"]
        if number in seen:
            raise ApplicationError(
                ErrorCode.DUPLICATE_ROW,
                f"第{index + 1}行（{name}）与第{seen[number] + 1}行公民身份号码相同",
                field="persons",
                params={"row": index},
            )
        seen[number] = index
        cleaned.append(data)
        parsed.append(person)
    return cleaned, parsed


def find_permit(unit_id: int | None, ref) -> Permit:
    """The request's permit: of the request's unit, by number (or id)."""
    ref = str(ref or "").strip()
    if not ref:
        raise ApplicationError(
            ErrorCode.PERMIT_REQUIRED, "请选择用编核准", field="permit"
        )
    qs = Permit.objects.select_related("account__category", "unit__region").filter(
        unit_id=unit_id
    )
    permit = qs.filter(number=ref).first()
    if permit is None and ref.isdigit():
        permit = qs.filter(pk=int(ref)).first()
    if permit is None:
        raise ApplicationError(
            ErrorCode.PERMIT_REQUIRED,
            f"本单位没有编号为{ref}的用编核准",
            field="permit",
        )
    return permit


def check_permit(permit: Permit, need: int, today: dt.date) -> None:
    """Not expired, not cancelled, and enough count left for `need` persons."""
    if permit.status == Permit.Status.EXPIRED or permit.valid_until < today:
        raise ApplicationError(
            ErrorCode.PERMIT_EXPIRED,
            f"用编核准{permit.number}有效期至{permit.valid_until}",
            field="permit",
            params={"valid_until": permit.valid_until.isoformat()},
        )
    if permit.status == Permit.Status.CANCELLED:
        raise ApplicationError(
            ErrorCode.PERMIT_REQUIRED, f"用编核准{permit.number}已撤销", field="permit"
        )
    left = permit.count - permit.used
    if need > left:
        raise ApplicationError(
            ErrorCode.PERMIT_EXHAUSTED,
            f"用编核准{permit.number}核准{permit.count}名，已使用{permit.used}名，"
            f"剩余{left}名，本批次{need}名",
            field="permit",
            params={"count": permit.count, "used": permit.used, "need": need},
        )


def check_channel(permit: Permit) -> None:
    """Only channels that need a permit: the others are filed afterwards
    (VALUES.md) and their intakes never convert a permit's reservation."""
    if channel_permit_need(permit.channel) != PermitNeed.YES:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"{CHANNEL.label(permit.channel)}按规定30日内补办备案，"
            "不通过用编核准办理入编备案",
            field="permit",
        )


def check_not_posted(persons: list[PersonInput]) -> None:
    """One active posting per person: nobody in the batch is in post anywhere."""
    numbers = [p.fields["id_number"] for p in persons]
    posted = (
        Posting.objects.filter(person__id_number__in=numbers, end_date__isnull=True)
        .select_related("person", "unit")
        .order_by("pk")
        .first()
    )
    if posted is not None:
        raise ApplicationError(
            ErrorCode.PERSON_ALREADY_POSTED,
            f"{posted.person.name}（{posted.person.id_number}）在{posted.unit.name}在编",
            field="persons",
            params={"id_number": posted.person.id_number},
        )


def batch_of(request, today: dt.date, *, check_posted: bool = True) -> Batch:
    """The review's checks on the request as it stands (DOMAIN §4 item 3):
    permit match (same unit; its account and channel are what the persons
    take), not expired, count left; each person valid and fitting the
    category; nobody already in post."""
    payload = request.payload or {}
    permit = find_permit(request.unit_id, payload.get("permit"))
    unit = permit.unit
    account = permit.account
    rows, persons = parse_rows(
        payload.get("persons"), account=account, unit=unit, today=today
    )
    check_channel(permit)
    check_permit(permit, len(persons), today)
    if check_posted:
        check_not_posted(persons)
    return Batch(unit=unit, permit=permit, account=account, persons=persons, rows=rows)


def permit_fields(permit: Permit) -> dict:
    """What the payload copies from the permit for display."""
    account = permit.account
    return {
        "permit": permit.number,
        "permit_id": permit.pk,
        "account_id": account.pk,
        "category": account.category.name,
        "funding": FUNDING_LABELS.get(account.funding, account.funding),
        "channel": CHANNEL.label(permit.channel),
    }


def identity_label(code: str) -> str:
    return IDENTITY.label(code) if code in IDENTITY else code


def person_rows_for_display(request, published: list[tuple[str, str]] | None = None):
    """The persons for the pages, IDs masked: the published list when there
    is one (name, ID number pairs; with `removed` set by the caller), else
    the batch as drafted. Details come from the batch's rows."""
    from bianzhi.core.codes import mask_id_number

    by_number = {}
    for row in (request.payload or {}).get("persons") or []:
        if isinstance(row, dict):
            number = str(row.get("id_number") or "").strip().upper()
            by_number[number] = row
    pairs = published
    if pairs is None:
        pairs = [(str(r.get("name") or ""), n) for n, r in by_number.items()]
    out = []
    for index, (name, number) in enumerate(pairs):
        row = by_number.get(number, {})
        gender = {"M": "男", "F": "女"}.get(str(row.get("gender") or ""), "")
        out.append(
            {
                "index": index,
                "name": name,
                "gender": gender or str(row.get("gender") or ""),
                "id_masked": mask_id_number(number),
                "education": row.get("education", ""),
                "position_title": row.get("position_title", ""),
                "identity": identity_label(str(row.get("identity") or "")),
                "in_batch": number in by_number,
            }
        )
    return out

"""The portal's two forms: non-locked person fields, and a locked-field request.

Plain helpers that turn a person (and the posted data) into template rows;
the services do all parsing and checking, so a refusal here is always the
service's Chinese message placed next to the input it names.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from bianzhi.core.errors import ApplicationError
from bianzhi.orgs.models import Unit
from bianzhi.roster import selectors
from bianzhi.roster.models import FieldChangeRequest, LockedField, Person, Posting
from bianzhi.roster.selectors_portal import account_choices, pending_by_field
from bianzhi.roster.values import (
    DEGREE,
    EDUCATION,
    ETHNICITY,
    IDENTITY,
    POLITICAL_STATUS,
    POST_TYPE,
    RANK,
)
from bianzhi.web.portal_display import account_text
from bianzhi.web.roster_fields import shown_id

# (field, label, value table or input kind) in the order of the 干部信息 form.
FREE_FORM = (
    ("ethnicity", "民族", ETHNICITY),
    ("political_status", "政治面貌", POLITICAL_STATUS),
    ("education", "学历", EDUCATION),
    ("degree", "学位", DEGREE),
    ("major", "专业", "text"),
    ("position_title", "职务", "text"),
    ("rank", "职级", RANK),
    ("post_type", "岗位类型", POST_TYPE),
    ("phone", "联系电话", "text"),
    ("remarks", "备注", "textarea"),
)
FREE_FORM_FIELDS = frozenset(name for name, _label, _kind in FREE_FORM)
REQUIRED_FREE = frozenset({"ethnicity", "political_status", "education"})


def free_form_rows(
    person: Person, data: QueryDict | None, errors: dict[str, ApplicationError]
) -> list[dict[str, Any]]:
    rows = []
    for name, label, kind in FREE_FORM:
        value = data.get(name, "") if data is not None else getattr(person, name)
        is_select = not isinstance(kind, str)
        rows.append(
            {
                "name": name,
                "label": label,
                "kind": "select" if is_select else kind,
                "choices": kind.choices() if is_select else [],
                "value": value,
                "required": name in REQUIRED_FREE,
                "error": errors.get(name),
            }
        )
    return rows


def free_changes(person: Person, data: QueryDict) -> dict[str, str]:
    """Only the fields whose posted value differs from the record."""
    changes = {}
    for name in FREE_FORM_FIELDS:
        if name not in data:
            continue
        # Browsers post textarea line breaks as CRLF; the record keeps LF.
        value = data.get(name, "").replace("\r\n", "\n").strip()
        if value != (getattr(person, name) or ""):
            changes[name] = value
    return changes


def locked_rows(
    person: Person, posting: Posting, pending: dict[str, FieldChangeRequest]
) -> list[dict[str, Any]]:
    """The locked fields as read-only facts, each with its pending request."""
    birth = person.certified_birth_date.isoformat()
    if person.certified_basis:
        birth += f"（认定依据：{person.certified_basis}；身份证为{person.birth_date}）"
    values = {
        LockedField.NAME: person.name,
        LockedField.ID_NUMBER: shown_id(person.id_number),
        LockedField.IDENTITY: person.get_identity_display(),
        LockedField.CERTIFIED_BIRTH_DATE: birth,
        LockedField.WORK_START_DATE: person.work_start_date.isoformat(),
        LockedField.ACCOUNT: account_text(posting.account),
    }
    rows = []
    for field, label in LockedField.choices:
        rows.append(
            {
                "field": field,
                "label": label,
                "value": values[field],
                "pending": pending.get(field),
            }
        )
        if field == LockedField.ID_NUMBER:
            # Gender follows the ID number; it changes with an ID correction.
            rows.append(
                {
                    "field": "",
                    "label": "性别",
                    "value": person.get_gender_display() + "（随公民身份号码）",
                    "pending": None,
                }
            )
    return rows


def account_options(unit: Unit, posting: Posting) -> list[dict[str, Any]]:
    """The unit's accounts with today's counters, for the `account` request."""
    options = []
    for account in account_choices(unit):
        numbers = selectors.vacancy_for(account)
        options.append(
            {
                "account": account,
                "label": account_text(account),
                "numbers": numbers,
                "current": account.pk == posting.account_id,
            }
        )
    return options


def request_form_context(
    unit: Unit,
    person: Person,
    posting: Posting,
    source: QueryDict,
    error: ApplicationError | None,
) -> dict[str, Any]:
    field = source.get("field", "")
    if field not in LockedField.values:
        field = ""
    pending = pending_by_field(person.pk)
    current = {row["field"]: row["value"] for row in locked_rows(person, posting, {})}
    inline = {"field", "new_value", "reason", "certified_basis", "doc_no"}
    return {
        "unit": unit,
        "person": person,
        "posting": posting,
        "field": field,
        "field_choices": LockedField.choices,
        "current": current.get(field, ""),
        "values": {
            key: source.get(key, "")
            for key in ("new_value", "reason", "certified_basis", "doc_no")
        },
        "identity_choices": IDENTITY.choices(),
        "accounts": account_options(unit, posting),
        "pending": pending.get(field),
        "error": error,
        "error_field": error.field if error and error.field in inline else "",
    }

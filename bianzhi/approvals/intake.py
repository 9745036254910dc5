"""How a request of each kind is filled in: its fields, and the function that
turns what the user typed into a draft (DOMAIN §4; issue 5 item 3).

The web "新建申请" page and the API's create endpoint are generic: both read
the kind's Intake, the web renders its fields, and both hand the raw values to
`build`, which validates them with the domain's rules and returns a Draft (or
raises ApplicationError with `field=` naming the bad field). So a kind's form
is defined once, by the app that owns the kind, at AppConfig.ready():

    from bianzhi.approvals import intake
    intake.register_intake(intake.Intake(
        kind="quota_use",
        fields=(
            intake.Field("unit_id", "用编单位", "unit"),
            intake.Field("account_id", "编制账户", "account", depends_on="unit_id"),
            intake.Field("count", "申请用编数", "int"),
            intake.Field("reason", "用编理由", "textarea"),
        ),
        build=build_quota_use,   # (actor, values) -> Draft
    ))

Raw values: a dict field name -> str (or list[dict[str, str]] for "rows",
list of uploaded-file ids for "attachments"); `build` does all parsing.

Optional, for the form pages:
  initial_values(request) -> values   to edit a draft or a returned request
                                      (default: the payload's keys named like
                                      the fields, unit_id from the request);
  explain(actor, values) -> [str]     notes shown above the fields, e.g. why an
                                      over-quota account may plan only up to
                                      its intake credits.

The saving itself (create/update and submit in one transaction, idempotent)
is submission.save_from_intake, shared by the web form and the API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bianzhi.core.actor import Actor

if TYPE_CHECKING:
    from .models import Request

FieldType = Literal[
    "text",  # one line
    "textarea",
    "int",  # a whole number >= 0
    "date",  # YYYY-MM-DD
    "choice",  # one of choices(actor, values)
    "unit",  # a unit in the actor's scope (id)
    "account",  # a quota account of the chosen unit (id); depends_on the unit field
    "permit",  # an active permit of the chosen unit (number); depends_on the unit field
    "person",  # a person posted in the chosen unit (id); depends_on the unit field
    "rows",  # a table: list of dicts with the keys of `columns`
    "attachments",  # uploaded files (documents.Attachment ids), e.g. argumentation
]

ChoicesFn = Callable[[Actor, dict[str, Any]], Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # Chinese
    type: FieldType = "text"
    required: bool = True
    help: str = ""  # one line under the input, Chinese
    choices: ChoicesFn | None = None  # "choice" (and "rows" columns of type choice)
    depends_on: str = ""  # re-rendered when that field changes (unit → account …)
    columns: tuple[Field, ...] = ()  # "rows" only
    initial: str = ""


@dataclass
class Draft:
    """What request_create needs, as decided by the kind's build function."""

    title: str
    region_code: str
    unit_id: int | None = None
    subject_type: str = ""
    subject_id: str | int = ""
    payload: dict[str, Any] = field(default_factory=dict)
    attachment_ids: list[int] = field(default_factory=list)


Build = Callable[[Actor, dict[str, Any]], Draft]
InitialFn = Callable[["Request"], dict[str, Any]]
ExplainFn = Callable[[Actor, dict[str, Any]], Sequence[str]]


@dataclass(frozen=True)
class Intake:
    kind: str
    fields: tuple[Field, ...]
    build: Build
    # Shown above the form: what the request is for and what happens next.
    intro: str = ""
    initial_values: InitialFn | None = None
    explain: ExplainFn | None = None

    def values_of(self, request: Request) -> dict[str, Any]:
        """The raw form values of a saved request (to edit it)."""
        if self.initial_values is not None:
            return dict(self.initial_values(request))
        payload = request.payload or {}
        values: dict[str, Any] = {}
        for f in self.fields:
            if f.type == "unit" and request.unit_id is not None:
                values[f.name] = str(request.unit_id)
            elif f.name in payload:
                value = payload[f.name]
                if f.type == "rows" and isinstance(value, list):
                    values[f.name] = [
                        {c.name: _text(row.get(c.name)) for c in f.columns}
                        for row in value
                        if isinstance(row, dict)
                    ]
                elif f.type == "attachments":
                    values[f.name] = list(value) if isinstance(value, list) else []
                else:
                    values[f.name] = _text(value)
        return values

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


_intakes: dict[str, Intake] = {}


def register_intake(spec: Intake) -> None:
    _intakes[spec.kind] = spec


def intake_for(kind: str) -> Intake | None:
    return _intakes.get(kind)


def kinds_with_intake() -> list[str]:
    return sorted(_intakes)

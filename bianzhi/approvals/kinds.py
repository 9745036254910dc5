"""What a workflow kind is: a literal transitions table (DOMAIN §4).

A kind lists its steps in order. Each step names the one role that acts
there, the actions allowed and where each action leads, its due duration in
working days, and whether it is a joint review (parallel opinions of partner
departments). The table is data so that a reader sees the whole route at once
and so that the engine (engine.py, services.py) can check every action against
it; no kind writes its own state machine.

Targets of an action are either another step of the kind or one of:
  APPROVED  the final approval: the kind's registered effect runs in the same
            transaction as the decision;
  RETURNED  back to the submitter for correction (退回修改); a resubmission
            starts again at the first step, with the history kept;
  REJECTED  the end, nothing applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

from bianzhi.core.roles import Role

if TYPE_CHECKING:
    from .models import Request

APPROVED = "@approved"
RETURNED = "@returned"
REJECTED = "@rejected"

APPROVE, RETURN, REJECT, OPINION = "approve", "return", "reject", "opinion"

# VALUES.md: default durations (working days). Per-region overrides are not
# modelled yet; a kind may set its own `days` per step.
REVIEW_DAYS = 1
JOINT_REVIEW_DAYS = 2
PUBLICITY_DAYS = 5
RELEASE_FILING_DAYS = 10

Partners = Sequence[str] | Callable[["Request"], Sequence[str]]


@dataclass(frozen=True)
class Step:
    name: str  # identifier, e.g. "office_review"
    label: str  # shown, e.g. "编办审核"
    role: str  # the one Role that acts here
    # action -> target: {"approve": "leader_approval", "return": RETURNED, ...}
    actions: Mapping[str, str]
    days: int = REVIEW_DAYS
    joint: bool = False
    # Joint review: the departments whose opinion is required (组织部, 人社局 …),
    # literal or computed from the request (e.g. by the payload's channel).
    # The list is fixed when the step opens; an empty list skips the step.
    partners: Partners = ()
    # A step that applies only to some requests (e.g. the supervising
    # department's review of institutions): False skips it, as if approved.
    when: Callable[[Request], bool] | None = None

    def required_partners(self, request: Request) -> list[str]:
        found = self.partners(request) if callable(self.partners) else self.partners
        # Keep the order given, drop blanks and repeats.
        return list(dict.fromkeys(p.strip() for p in found if p and p.strip()))

    @property
    def forward(self) -> str:
        """Where the step leads when it is passed (approved, all opinions in, skipped)."""
        return self.actions[OPINION if self.joint else APPROVE]


@dataclass(frozen=True)
class KindSpec:
    kind: str  # identifier stored on Request.kind, e.g. "quota_use"
    label: str  # e.g. "用编申请"
    serial_prefix: str  # serial numbers read <prefix>-<year>-<6 digits>
    submitter_roles: tuple[str, ...]
    steps: tuple[Step, ...]  # a submission enters at the first applicable one
    effect: str = ""  # name of the effect the final approval applies ("" = none)
    # Chinese labels of the payload's keys, for the pages that show a request.
    payload_labels: dict[str, str] = field(default_factory=dict, compare=False)
    _by_name: dict[str, Step] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({s.name: s for s in self.steps})

    def step(self, name: str) -> Step:
        return self._by_name[name]

    def has_step(self, name: str) -> bool:
        return name in self._by_name

    def validate(self) -> None:
        """Refuse a table the engine could not run (at registration time)."""
        problems: list[str] = []
        if not self.steps:
            problems.append("no steps")
        if len(self._by_name) != len(self.steps):
            problems.append("duplicate step names")
        if not self.serial_prefix or "-" in self.serial_prefix:
            problems.append("serial_prefix must be non-empty without '-'")
        for role in self.submitter_roles:
            if role not in Role.values:
                problems.append(f"unknown submitter role {role!r}")
        final = False
        for step in self.steps:
            where = f"step {step.name!r}"
            if step.role not in Role.values:
                problems.append(f"{where}: unknown role {step.role!r}")
            if step.days < 0:
                problems.append(f"{where}: negative days")
            allowed = {OPINION} if step.joint else {APPROVE, RETURN, REJECT}
            forward = OPINION if step.joint else APPROVE
            if forward not in step.actions:
                problems.append(f"{where}: needs a {forward!r} action")
            for action, target in step.actions.items():
                if action not in allowed:
                    problems.append(f"{where}: action {action!r} not allowed here")
                elif action == RETURN and target != RETURNED:
                    problems.append(f"{where}: return leads to RETURNED")
                elif action == REJECT and target != REJECTED:
                    problems.append(f"{where}: reject leads to REJECTED")
                elif action in (APPROVE, OPINION):
                    if target == APPROVED:
                        final = True
                    elif target not in self._by_name or target == step.name:
                        problems.append(f"{where}: unknown target {target!r}")
            if not step.joint and step.partners:
                problems.append(f"{where}: partners on a step that is not joint")
        if not final:
            problems.append("no step leads to APPROVED")
        if not problems:
            # Skipping follows `forward`; a cycle there would never end.
            for step in self.steps:
                seen, name = set(), step.name
                while name in self._by_name and name not in seen:
                    seen.add(name)
                    name = self._by_name[name].forward
                if name in seen:
                    problems.append(f"step {step.name!r}: forward route loops")
                    break
        if problems:
            raise ImproperlyConfigured(
                f"approval kind {self.kind!r}: " + "; ".join(problems)
            )

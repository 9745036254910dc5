"""Where a warning's evidence is shown: (kind, ref) → the web page's path.

Kept beside the rules (not in web/) so that the pages and the API give the
same links; it names web routes by string only, nothing is imported."""

from __future__ import annotations

from django.urls import reverse

from .warning_rules import Evidence

_UNIT_ANCHORS = {
    "unit": "",
    "account": "#h-accounts",
    "posts": "#h-posts",
    "mandate": "#h-mandate",
}


def evidence_url(evidence: Evidence) -> str:
    kind, ref = evidence.kind, evidence.ref
    if kind in _UNIT_ANCHORS:
        unit_id = ref.split(":", 1)[0]
        return reverse("web:unit", args=[int(unit_id)]) + _UNIT_ANCHORS[kind]
    if kind == "region":
        return reverse("web:region", args=[ref])
    if kind == "persons":
        return reverse("web:roster_search") + "?" + ref
    if kind == "person":
        return reverse("web:person", args=[int(ref)])
    if kind == "request":
        return reverse("web:approval", args=[int(ref)])
    if kind == "movement":
        return reverse("web:movement", args=[int(ref)])
    raise ValueError(f"unknown evidence kind {kind!r}")

"""Where the display labels of the domain come from, for label_catalog.py.

The domain defines its labels as plain Chinese strings (approval kinds and
steps, statistics forms and columns, warning and reconciliation rules, value
sets, error titles): records (audit, signed documents, exports, CLI output)
use them as they are. The web layer translates them when it renders a page
(templatetags/bianzhi_web.py `label`). makemessages cannot see such runtime
values, so `collect()` walks the registries and value sets and
`render_module()` writes them as gettext_noop entries into label_catalog.py;
`bianzhi label_catalog` regenerates it and a test fails when it is stale.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from django.apps import apps
from django.db import models

_CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parent.parent  # the bianzhi package

# Label parts joined by the domain into one label (stats/quota_numbers.py
# combo_label "行政编制·财政拨款", the decision numbers "行政编制·财政拨款
# 核定编制数"); the filter translates each part.
SEPARATORS = re.compile(r"(\s*·\s*|\s+)")


def _chinese(values: Iterable[object]) -> list[str]:
    found = []
    for value in values:
        text = str(value or "").strip()
        if text and _CJK.search(text):
            found.append(text)
    return found


def approval_labels() -> list[str]:
    from bianzhi.approvals import engine
    from bianzhi.approvals.intake import intake_for

    labels: list[str] = []
    for kind, spec in sorted(engine.kinds().items()):
        labels += _chinese([spec.label])
        labels += _chinese(step.label for step in spec.steps)
        labels += _chinese(spec.payload_labels.values())
        intake = intake_for(kind)
        if intake is not None:
            for f in intake.fields:
                labels += _chinese([f.label])
                labels += _chinese(c.label for c in getattr(f, "columns", ()) or ())
    return labels


def stats_labels() -> list[str]:
    """Form titles, then every literal of the form modules (columns, notes)."""
    from bianzhi.stats import base
    from bianzhi.stats import forms as forms_package

    labels = _chinese(f.title for f in base.all_forms())
    folder = Path(forms_package.__file__).parent
    for path in sorted(folder.glob("*.py")):
        labels += literals(path)
    labels += literals(ROOT / "stats" / "yoy.py")
    return labels


# The modules whose functions label the decision numbers of a request page,
# the dashboard tables and the suspected-problem lists, partly with f-strings.
NUMBERS_MODULES = (
    "quota/numbers.py",
    "roster/numbers.py",
    "quota/kinds.py",
    "roster/kinds.py",
    "roster/kinds_enrollment.py",
    "stats/dashboard.py",
    "roster/suspicious.py",
)


def numbers_labels() -> list[str]:
    labels: list[str] = []
    for name in NUMBERS_MODULES:
        labels += literals(ROOT / name, pieces=True)
    return labels


def warning_labels() -> list[str]:
    from bianzhi.stats.warning_rules import all_rules

    rules = all_rules()
    # The rule in words keeps its {threshold} placeholder: the page fills in
    # the translated text (templatetags rule_text).
    return _chinese(
        [r.name for r in rules]
        + [r.text for r in rules]
        + [r.disabled_note for r in rules]
        + [r.unit for r in rules]  # of the threshold: 天, 名 …
    )


def reconcile_labels() -> list[str]:
    from bianzhi.reconcile.rules import RULES

    return _chinese(RULES.values())


def _import_all() -> None:
    """Import every module of bianzhi (migrations aside), so that the choice
    classes found below do not depend on what the process happened to import
    before: the catalogue must come out the same in any process."""
    import pkgutil

    import bianzhi

    for info in pkgutil.walk_packages(bianzhi.__path__, "bianzhi."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)


def choice_labels() -> list[str]:
    """Labels of every TextChoices/IntegerChoices defined in bianzhi."""
    _import_all()
    labels: list[str] = []
    seen: set[type] = set()
    stack: list[type] = [models.TextChoices, models.IntegerChoices]
    classes: list[type] = []
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                if sub.__module__.startswith("bianzhi."):
                    classes.append(sub)
    for cls in sorted(classes, key=lambda c: (c.__module__, c.__qualname__)):
        labels += _chinese(label for _value, label in cls.choices)
    for model in apps.get_models():
        if model.__module__.startswith("bianzhi."):
            for f in model._meta.get_fields():
                for _value, label in getattr(f, "choices", None) or ():
                    labels += _chinese([label])
    return labels


def value_set_labels() -> list[str]:
    from bianzhi.roster.values import TABLES

    labels: list[str] = []
    for key in sorted(TABLES):
        table = TABLES[key]
        labels += _chinese([table.title])
        labels += _chinese(table.labels)
        # The partner departments of a joint review (组织部, 人社局 …).
        for value in table.values():
            partner = value.extra.get("joint_review")
            found = partner.values() if isinstance(partner, dict) else [partner]
            labels += _chinese(found)
    from bianzhi.orgs.models import SECTORS
    from bianzhi.quota.models import LeaderKind, LeaderLevel

    labels += _chinese(SECTORS.values())
    # A leader post as level and kind in one (stats form 4, the decision
    # numbers): 县处级正职.
    labels += [
        f"{lv}{kd}" for _l, lv in LeaderLevel.choices for _k, kd in LeaderKind.choices
    ]
    # The national quota categories are rows of QuotaCategory seeded by a
    # migration; their names are labels like any value set's.
    seed = importlib.import_module("bianzhi.quota.migrations.0002_seed_categories")
    labels += _chinese(row[1] for row in seed.CATEGORIES)
    return labels


def error_labels() -> list[str]:
    from bianzhi.core.errors import MESSAGES

    return _chinese(MESSAGES[code] for code in MESSAGES)


SOURCES = {
    "approval kinds, steps, payload and form fields": approval_labels,
    "statistics forms: titles, columns, notes": stats_labels,
    "decision numbers and dashboard tables": numbers_labels,
    "warning rules": warning_labels,
    "reconciliation rules": reconcile_labels,
    "choices of the models": choice_labels,
    "value sets and quota categories": value_set_labels,
    "error-code titles": error_labels,
}


def literals(path: Path, *, pieces: bool = False) -> list[str]:
    """Chinese string literals of a module, without docstrings, f-strings
    and the details of ApplicationError (those stay Chinese). `pieces`: also
    the constant parts of f-strings, cut at the separators (f"{label} 核定编制数")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip |= {id(first.value)}
        called = getattr(node, "func", None)
        if isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Call)
            and getattr(called, "id", getattr(called, "attr", "")) == "ApplicationError"
        ):
            skip |= {id(inner) for inner in ast.walk(node)}
    found = _chinese(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
    )
    if pieces:
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                for part in node.values:
                    # Only a piece next to a separator is a label of its own
                    # (f"{label} 核定编制数", f"在编/核定·{name}"); the rest
                    # is a fragment of a sentence.
                    text = part.value if isinstance(part, ast.Constant) else ""
                    if isinstance(text, str) and SEPARATORS.search(text):
                        found += [
                            piece
                            for piece in _chinese(_pieces(text))
                            if len(piece) <= 12 and not _PROSE.search(piece)
                        ]
    return found


def collect() -> dict[str, list[str]]:
    """Each source's labels, each label once (under its first source)."""
    seen: set[str] = set()
    result: dict[str, list[str]] = {}
    for title, source in SOURCES.items():
        fresh = []
        for label in source():
            # A joined label's parts are labels of their own (the filter
            # translates part by part what it does not find whole).
            parts = [label, *(_chinese(_parts(label)) if "·" in label else [])]
            for text in parts:
                if text in _SERIAL_PREFIXES():
                    continue
                if text not in seen:
                    seen.add(text)
                    fresh.append(text)
        result[title] = sorted(fresh)
    return result


# Sentence punctuation: an f-string piece with it is prose, not a label.
_PROSE = re.compile(r"[，。；：、=+]")


def _SERIAL_PREFIXES() -> set[str]:  # noqa: N802 - reads like the constant it is
    from bianzhi.approvals import engine

    return {spec.serial_prefix for spec in engine.kinds().values()}


def _pieces(text: str) -> list[str]:
    """The pieces of a joined label, without the separators."""
    pieces = [p.strip() for p in SEPARATORS.split(text)]
    return [p for p in pieces if p and p != "·"]


def _parts(label: str) -> list[str]:
    pieces = _pieces(label)
    return pieces if len(pieces) > 1 else []


def render_module(groups: dict[str, list[str]]) -> str:
    lines = [
        '"""GENERATED by `bianzhi label_catalog` from web/label_sources.py: do not edit.',
        "",
        "The domain's display labels as gettext_noop entries, so that makemessages",
        "and the catalogue test see them; the web layer translates the runtime",
        "values with the `label` filter (templatetags/bianzhi_web.py).",
        '"""',
        "",
        "from django.utils.translation import gettext_noop as _",
        "",
        "# fmt: off",
        "LABELS = (",
    ]
    for title, labels in groups.items():
        lines.append(f"    # {title}")
        lines += [
            f"    _({json.dumps(label, ensure_ascii=False)})," for label in labels
        ]
    lines += [")", "# fmt: on"]
    return "\n".join(lines) + "\n"


MODULE = Path(__file__).resolve().parent / "label_catalog.py"

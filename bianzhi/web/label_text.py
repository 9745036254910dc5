"""Domain labels in the user's language, at display time only.

The domain keeps its labels as plain Chinese strings, and everything that is a
record (audit events, signed documents, exports, CLI output) uses them as
they are. A page translates them as it renders them: `label_text` looks the
value up in the catalogue (msgids listed by label_catalog.py) and returns it
unchanged when there is no entry — user data such as unit names and values
of an office's own (a local quota category) pass through. Under the default
language (zh-hans) nothing changes. Documents render under
translation.override("zh-hans"), so they stay Chinese even where a template
shared with a page applies the filter.
"""

from __future__ import annotations

import dataclasses
import functools
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from bianzhi.core.errors import MESSAGES

from .label_sources import SEPARATORS


def _chinese_ui() -> bool:
    return (translation.get_language() or "zh-hans").lower().startswith("zh")


def label_text(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if not text or _chinese_ui():
        return text
    found = gettext(text)
    if found != text:
        return found
    # A label the domain joined from several ("行政编制·财政拨款 核定编制数"):
    # each piece translated, the separators kept; unknown pieces (names,
    # numbers) pass through.
    pieces = SEPARATORS.split(text)
    if len(pieces) == 1:
        return text
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(" · " if "·" in piece else " ")
        else:
            out.append(gettext(piece) if piece else piece)
    joined = "".join(out)
    return joined if joined != "".join(pieces) else text


@functools.cache
def _titles() -> tuple[str, ...]:
    # Longest first: one title may begin with another.
    return tuple(sorted(set(MESSAGES.values()), key=len, reverse=True))


def error_text(message: Any) -> str:
    """An ApplicationError message with its code title translated.

    `message` is MESSAGES[code] optionally followed by "：" and a detail; the
    detail is built with f-strings in the services and stays Chinese.
    """
    text = "" if message is None else str(message)
    if not text or _chinese_ui():
        return text
    for title in _titles():
        if text.startswith(title):
            rest = text[len(title) :]
            if rest.startswith("："):
                rest = ": " + rest[1:]
            return gettext(title) + rest
    return text


def rule_text(rule: Any, threshold: Decimal | None) -> str:
    """A warning rule in words with the threshold in force, translated."""
    if rule is None:
        return ""
    if _chinese_ui():
        return rule.describe(threshold)
    translated = gettext(rule.text)
    return dataclasses.replace(rule, text=translated).describe(threshold)

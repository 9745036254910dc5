"""Masking of 公民身份号码 wherever one may slip into text: log lines, audit
summaries, before/after records shown on the audit pages.

core.codes.mask_id_number masks a number known to be one (3701**********123X);
this module finds numbers inside free text and JSON-like values. The pattern
asks for a plausible birth date inside the digits (19xx/20xx, month 01-12,
day 01-31), so that ordinary long numbers (sequence numbers, amounts) stay
readable, while every ID the system accepts (core.codes.parse_id_number:
born 1900 or later) is caught, 15-digit first-generation numbers included.
"""

from __future__ import annotations

import re
from typing import Any

from .codes import mask_id_number

_DATE8 = r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE6 = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# Digits either side would make it part of a longer number; an ID number glued
# to letters ("ID110101...") is still masked: a false positive costs nothing.
ID_PATTERN = re.compile(
    rf"(?<!\d)(?:\d{{6}}{_DATE8}\d{{3}}[\dXx]|\d{{6}}{_DATE6}\d{{3}})(?![\dXx])"
)
# Keys whose value is an ID number whatever it looks like (a mistyped one too).
_ID_KEYS = ("id_number",)


def mask_number(number: str) -> str:
    """Mask one number: 18 characters as mask_id_number, 15 alike (4 + 4 kept)."""
    if len(number) == 18:
        return mask_id_number(number)
    if len(number) >= 12:
        return number[:4] + "*" * (len(number) - 8) + number[-4:]
    return "*" * len(number)


def mask_text(text: str) -> str:
    """Every ID-number-looking run in `text` masked; the rest unchanged."""
    if not text or len(text) < 15:
        return text
    return ID_PATTERN.sub(lambda m: mask_number(m.group(0)), text)


def contains_id(text: str) -> bool:
    return bool(text) and ID_PATTERN.search(text) is not None


def _is_id_key(key: Any) -> bool:
    return isinstance(key, str) and any(k in key.lower() for k in _ID_KEYS)


def _masked_entry(key: Any, value: Any) -> Any:
    if _is_id_key(key) and isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value).strip()
        return mask_number(text) if text else value
    return mask_ids(value)


def mask_ids(value: Any) -> Any:
    """A copy of a JSON-like value with ID numbers masked: values under keys
    naming an ID number (id_number, person__id_number, ...) entirely, every
    other string by pattern. Other numbers, booleans and None pass unchanged."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _masked_entry(k, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_ids(v) for v in value)
    return value

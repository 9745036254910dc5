"""`{% load privacy %}{{ value|mask_ids }}`: ID numbers masked for display.

For text and JSON-like values that may carry a 公民身份号码 (audit records,
summaries, messages); see core.privacy for what counts as one.
"""

from __future__ import annotations

from typing import Any

from django import template

from bianzhi.core.privacy import mask_ids as _mask_ids

register = template.Library()


@register.filter
def mask_ids(value: Any) -> Any:
    return _mask_ids(value)

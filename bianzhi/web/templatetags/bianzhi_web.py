"""Template filters for code labels."""

from django import template

from bianzhi.quota.models import LeaderKind, LeaderLevel, LeaderPostScope
from bianzhi.web.label_text import error_text as error_message_text
from bianzhi.web.label_text import label_text
from bianzhi.web.label_text import rule_text as rule_in_words

register = template.Library()


def _label(choices, value) -> str:
    return label_text(
        choices(value).label if value in choices.values else (value or "")
    )


@register.filter
def post_scope(value) -> str:
    return _label(LeaderPostScope, value)


@register.filter
def leader_level(value) -> str:
    return _label(LeaderLevel, value)


@register.filter
def leader_kind(value) -> str:
    return _label(LeaderKind, value)


@register.filter
def label(value) -> str:
    """A domain label (kind, step, form, column, rule, value) in the UI language."""
    return label_text(value)


@register.filter
def error_text(message) -> str:
    """An error message whose code title is translated (the detail stays Chinese)."""
    return error_message_text(message)


@register.simple_tag
def rule_text(rule, threshold) -> str:
    """A warning rule in words, with its threshold, in the UI language."""
    return rule_in_words(rule, threshold)


@register.filter
def threshold_unit(unit) -> str:
    """The unit after a threshold value: 30天 / 30 days, 25% either way."""
    text = label_text(unit)
    if text != (unit or "") and not text.startswith(" "):
        text = " " + text
    return text

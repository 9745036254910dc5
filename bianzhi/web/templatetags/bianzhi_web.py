"""Template filters for code labels."""

from django import template

from bianzhi.quota.models import LeaderKind, LeaderLevel, LeaderPostScope

register = template.Library()


def _label(choices, value) -> str:
    return choices(value).label if value in choices.values else (value or "")


@register.filter
def post_scope(value) -> str:
    return _label(LeaderPostScope, value)


@register.filter
def leader_level(value) -> str:
    return _label(LeaderLevel, value)


@register.filter
def leader_kind(value) -> str:
    return _label(LeaderKind, value)

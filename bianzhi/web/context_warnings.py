"""The top-bar count of warnings for readers with VIEW_WARNINGS (context processor).

Add "bianzhi.web.context_warnings.warnings_badge" to TEMPLATES'
context_processors. The count runs every rule over the reader's scope, so it
is cached per scope for a minute (stats.warnings.warning_count) and computed
lazily: a page that does not render the badge pays nothing.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from bianzhi.accounts import access
from bianzhi.accounts.access import has_permission
from bianzhi.core.roles import Permission


def _count(request: HttpRequest) -> int:
    from bianzhi.stats.dashboard_scope import warning_scope_for
    from bianzhi.stats.warnings import warning_count

    return warning_count(warning_scope_for(access, request.user))


def warnings_badge(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not has_permission(user, Permission.VIEW_WARNINGS):
        return {}
    return {"warnings_badge": {"count": SimpleLazyObject(lambda: _count(request))}}

"""The top-bar warnings badge for readers with VIEW_WARNINGS (context processor).

Add "bianzhi.web.context_warnings.warnings_badge" to TEMPLATES'
context_processors. The count runs every rule over the reader's scope (cached
per scope for a minute, stats.warnings.warning_count), so pages do not wait
for it: the processor only says whether to show the badge, and the page
loads the count with htmx from /warnings/badge/ (views.dashboard_warnings).
"""

from __future__ import annotations

from django.http import HttpRequest

from bianzhi.accounts.access import has_permission
from bianzhi.core.roles import Permission


def warnings_badge(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"warnings_badge": has_permission(user, Permission.VIEW_WARNINGS)}

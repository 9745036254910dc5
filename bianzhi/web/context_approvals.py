"""The top-bar count of what is new for me in 审批 (context processor).

waiting: requests in my inbox; news: my requests decided by someone else
since I last opened 我的申请 (kept in the session); notices: the bell, the
events since I last marked them seen (approvals/notifications.py: my
requests decided, new items in my inbox, steps become overdue), linking to
审批消息.

The page itself only decides whether the user takes part (cached role
assignments and the kind registry: no query); the counts are fetched by
htmx from approvals/badge/ after the page loads, which also fills the 待办
count in the navigation (out-of-band swap). So no page pays for the inbox
queries but the badge request.
"""

from __future__ import annotations

from django.http import HttpRequest

from bianzhi.accounts import approval_actors as forms
from bianzhi.approvals import notifications as notices


def roles(request: HttpRequest) -> dict | None:
    """{"reviewer": bool, "submitter": bool} for a user who takes part, else None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not forms.takes_part(user):
        return None
    return {
        "reviewer": bool(forms.reviewer_actors(user)),
        "submitter": forms.submits(user),
    }


def counts(request: HttpRequest) -> dict:
    user = request.user
    found = roles(request) or {"reviewer": False, "submitter": False}
    found["waiting"] = forms.inbox(user).count() if found["reviewer"] else 0
    found["news"] = forms.news_count(user, request.session.get(forms.SEEN_KEY))
    found["notices"] = len(notices.notices(user.pk, forms.inbox(user)))
    return found


def approvals_badge(request: HttpRequest) -> dict:
    found = roles(request)
    return {"approvals_badge": found} if found is not None else {}

"""审批消息: what is new for me since I last looked, and "全部已读"."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bianzhi.accounts import approval_actors
from bianzhi.approvals import notifications as notices_mod
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.web.errors import web_view

EVENT_LABELS = {
    "decided": gettext_lazy("办理结果"),
    "waiting": gettext_lazy("新待办"),
    "overdue": gettext_lazy("超期"),
}


def notices_for(user) -> list[notices_mod.Notice]:
    return notices_mod.notices(user.pk, approval_actors.inbox(user))


def acting(user) -> Actor:
    if not approval_actors.takes_part(user):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    return approval_actors.actors(user)[0]


@web_view
def notifications(request: HttpRequest) -> HttpResponse:
    acting(request.user)
    return render(
        request,
        "web/approvals/notifications.html",
        {
            "notices": notices_for(request.user),
            "since": notices_mod.seen_at(request.user.pk),
            "labels": EVENT_LABELS,
        },
    )


@require_POST
@web_view
def mark_seen(request: HttpRequest) -> HttpResponse:
    notices_mod.notices_mark_seen(actor=acting(request.user))
    return redirect("web:approvals_notifications")

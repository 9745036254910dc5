"""审批 pages: inbox, my requests, completed, one request and its actions."""

from django.urls import path

from .views import approvals

urlpatterns = [
    path("approvals/", approvals.inbox, name="approvals_inbox"),
    path("approvals/badge/", approvals.badge, name="approvals_badge"),
    path("approvals/mine/", approvals.mine, name="approvals_mine"),
    path("approvals/completed/", approvals.completed, name="approvals_completed"),
    path("approvals/<int:request_id>/", approvals.detail, name="approval"),
    path(
        "approvals/<int:request_id>/<slug:action>/",
        approvals.act,
        name="approval_act",
    ),
]

"""审批 pages: inbox, my requests, completed, one request and its actions;
the quota-use permits (用编核准) the approvals issued."""

from django.urls import path

from .views import approvals, approvals_new, approvals_notices, permits

urlpatterns = [
    path("permits/", permits.permit_list, name="permits"),
    path("permits/<int:permit_id>/", permits.permit_detail, name="permit"),
    path(
        "permits/<int:permit_id>/cancel/",
        permits.permit_cancel_view,
        name="permit_cancel",
    ),
    path("approvals/", approvals.inbox, name="approvals_inbox"),
    path("approvals/badge/", approvals.badge, name="approvals_badge"),
    path("approvals/mine/", approvals.mine, name="approvals_mine"),
    path("approvals/completed/", approvals.completed, name="approvals_completed"),
    path("approvals/new/", approvals_new.new_index, name="approval_new"),
    path(
        "approvals/new/<slug:kind>/", approvals_new.new_form, name="approval_new_kind"
    ),
    path(
        "approvals/notifications/",
        approvals_notices.notifications,
        name="approvals_notifications",
    ),
    path(
        "approvals/notifications/seen/",
        approvals_notices.mark_seen,
        name="approvals_notifications_seen",
    ),
    path("approvals/<int:request_id>/", approvals.detail, name="approval"),
    path(
        "approvals/<int:request_id>/edit/",
        approvals_new.edit_form,
        name="approval_edit",
    ),
    path(
        "approvals/<int:request_id>/<slug:action>/",
        approvals.act,
        name="approval_act",
    ),
]

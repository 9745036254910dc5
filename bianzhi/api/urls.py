from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from . import orgs_views as orgs
from . import permits_views as permits
from . import quota_views as quota
from . import roster_views as roster

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    # regions
    path("regions/", orgs.RegionListView.as_view(), name="api-regions"),
    path("regions/<str:code>/", orgs.RegionDetailView.as_view(), name="api-region"),
    path(
        "regions/<str:code>/agency-caps/",
        orgs.AgencyCapView.as_view(),
        name="api-region-agency-caps",
    ),
    # units
    path("units/", orgs.UnitListView.as_view(), name="api-units"),
    path("units/<str:pk>/", orgs.UnitDetailView.as_view(), name="api-unit"),
    path(
        "units/<str:pk>/lineage/",
        orgs.UnitLineageView.as_view(),
        name="api-unit-lineage",
    ),
    path(
        "units/<str:pk>/rename/", orgs.UnitRenameView.as_view(), name="api-unit-rename"
    ),
    path(
        "units/<str:pk>/change-rank/",
        orgs.UnitChangeRankView.as_view(),
        name="api-unit-change-rank",
    ),
    path(
        "units/<str:pk>/change-attributes/",
        orgs.UnitChangeAttributesView.as_view(),
        name="api-unit-change-attributes",
    ),
    path(
        "units/<str:pk>/internal-bodies/",
        orgs.InternalBodyAddView.as_view(),
        name="api-unit-internal-bodies",
    ),
    path(
        "units/<str:pk>/mandates/",
        orgs.MandateView.as_view(),
        name="api-unit-mandates",
    ),
    path(
        "units/<str:pk>/leader-posts/",
        orgs.LeaderPostsView.as_view(),
        name="api-unit-leader-posts",
    ),
    path(
        "units/<str:pk>/people/",
        roster.UnitPeopleView.as_view(),
        name="api-unit-people",
    ),
    path(
        "internal-bodies/<str:pk>/remove/",
        orgs.InternalBodyRemoveView.as_view(),
        name="api-internal-body-remove",
    ),
    # quota
    path("accounts/", quota.AccountListView.as_view(), name="api-accounts"),
    path("permits/", permits.PermitListView.as_view(), name="api-permits"),
    path("permits/<int:pk>/", permits.PermitDetailView.as_view(), name="api-permit"),
    path(
        "permits/<int:pk>/cancel/",
        permits.PermitCancelView.as_view(),
        name="api-permit-cancel",
    ),
    path("movements/", quota.MovementListView.as_view(), name="api-movements"),
    path(
        "movements/<str:pk>/",
        quota.MovementDetailView.as_view(),
        name="api-movement",
    ),
    path(
        "movements/<str:pk>/reverse/",
        quota.MovementReverseView.as_view(),
        name="api-movement-reverse",
    ),
    # roster (实名制)
    path("persons/<str:pk>/", roster.PersonDetailView.as_view(), name="api-person"),
    path(
        "persons/<str:pk>/reveal-id/",
        roster.RevealIdView.as_view(),
        name="api-person-reveal-id",
    ),
    path(
        "persons/<str:pk>/transfer/",
        roster.TransferView.as_view(),
        name="api-person-transfer",
    ),
    path(
        "persons/<str:pk>/locked-field/",
        roster.LockedFieldView.as_view(),
        name="api-person-locked-field",
    ),
    path(
        "persons/<str:pk>/retirement-exceptions/",
        roster.RetirementExceptionView.as_view(),
        name="api-person-retirement-exceptions",
    ),
    path("postings/", roster.EnrollView.as_view(), name="api-postings"),
    path(
        "postings/<str:pk>/release/",
        roster.ReleaseView.as_view(),
        name="api-posting-release",
    ),
    path(
        "appointments/", roster.AppointmentStartView.as_view(), name="api-appointments"
    ),
    path(
        "appointments/<str:pk>/end/",
        roster.AppointmentEndView.as_view(),
        name="api-appointment-end",
    ),
    path("secondments/", roster.SecondmentRecordView.as_view(), name="api-secondments"),
    path(
        "secondments/<str:pk>/end/",
        roster.SecondmentEndView.as_view(),
        name="api-secondment-end",
    ),
    path("offquota/", roster.OffQuotaAddView.as_view(), name="api-offquota"),
    path(
        "offquota/<str:pk>/end/",
        roster.OffQuotaEndView.as_view(),
        name="api-offquota-end",
    ),
]

# 审批 (approvals engine): lists, one request, actions
from . import approvals_views as approvals  # noqa: E402

urlpatterns += [
    path("approvals/", approvals.CreateView.as_view(), name="api-approvals-create"),
    path("approvals/kinds/", approvals.KindsView.as_view(), name="api-approvals-kinds"),
    path(
        "approvals/notifications/",
        approvals.NotificationsView.as_view(),
        name="api-approvals-notifications",
    ),
    path("approvals/inbox/", approvals.InboxView.as_view(), name="api-approvals-inbox"),
    path("approvals/mine/", approvals.MineView.as_view(), name="api-approvals-mine"),
    path(
        "approvals/completed/",
        approvals.CompletedView.as_view(),
        name="api-approvals-completed",
    ),
    path("approvals/<int:pk>/", approvals.DetailView.as_view(), name="api-approval"),
    path(
        "approvals/<int:pk>/<slug:action>/",
        approvals.ActionView.as_view(),
        name="api-approval-action",
    ),
]

# Issue-5/6/7 areas, one module each.
from . import (  # noqa: E402
    urls_dashboard,
    urls_enrollment,
    urls_matters,
    urls_reconcile,
    urls_stats,
)

urlpatterns += urls_enrollment.urlpatterns + urls_matters.urlpatterns
urlpatterns += urls_stats.urlpatterns + urls_dashboard.urlpatterns
urlpatterns += urls_reconcile.urlpatterns

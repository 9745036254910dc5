"""API endpoints of the reconcile area (included by api/urls.py)."""

from django.urls import path

from . import reconcile_views as views

urlpatterns: list = [
    path("reconcile/runs/", views.RunListView.as_view(), name="api-reconcile-runs"),
    path(
        "reconcile/runs/<str:pk>/",
        views.RunDetailView.as_view(),
        name="api-reconcile-run",
    ),
    path(
        "reconcile/runs/<str:pk>/findings/",
        views.FindingListView.as_view(),
        name="api-reconcile-findings",
    ),
    path(
        "reconcile/compare/", views.CompareView.as_view(), name="api-reconcile-compare"
    ),
    path(
        "reconcile/findings/<str:pk>/review/",
        views.ReviewView.as_view(),
        name="api-reconcile-review",
    ),
    path(
        "reconcile/findings/<str:pk>/handover/",
        views.HandoverView.as_view(),
        name="api-reconcile-handover",
    ),
]

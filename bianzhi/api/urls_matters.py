"""API endpoints of the matters area (included by api/urls.py)."""

from django.urls import path

from . import matters_views as views

urlpatterns = [
    path("matters/", views.MatterListView.as_view(), name="api-matters"),
    path("matters/<int:pk>/", views.MatterDetailView.as_view(), name="api-matter"),
    path(
        "matters/<int:pk>/<slug:action>/",
        views.MatterActionView.as_view(),
        name="api-matter-action",
    ),
    path(
        "coordination/",
        views.CoordinationListView.as_view(),
        name="api-coordination",
    ),
    path(
        "coordination/<int:pk>/",
        views.CoordinationDetailView.as_view(),
        name="api-coordination-item",
    ),
    path(
        "coordination/<int:pk>/<slug:action>/",
        views.CoordinationActionView.as_view(),
        name="api-coordination-action",
    ),
]

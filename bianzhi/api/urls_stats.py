"""API endpoints of the stats area (included by api/urls.py)."""

from django.urls import path

from . import stats_views

urlpatterns: list = [
    path("stats/", stats_views.StatsListView.as_view(), name="api-stats"),
    path(
        "stats/<slug:name>/", stats_views.StatsFormView.as_view(), name="api-stats-form"
    ),
]

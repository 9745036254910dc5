"""Pages of the stats area (owned by its module; included by web/urls.py)."""

from django.urls import path

from .views import stats

urlpatterns: list = [
    path("stats/", stats.stats_list, name="stats"),
    path("stats/<slug:name>/", stats.stats_form, name="stats_form"),
    path(
        "stats/<slug:name>/download.<slug:fmt>",
        stats.stats_download,
        name="stats_download",
    ),
]

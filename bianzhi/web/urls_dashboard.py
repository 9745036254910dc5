"""Pages of the dashboard area (owned by its module; included by web/urls.py)."""

from django.urls import path

from .views import dashboard, dashboard_warnings

urlpatterns: list = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/decision/", dashboard.decision, name="dashboard_decision"),
    path("warnings/", dashboard_warnings.warning_list, name="warnings"),
    path("warnings/badge/", dashboard_warnings.badge, name="warnings_badge"),
    path(
        "warnings/thresholds/",
        dashboard_warnings.threshold_settings,
        name="warning_thresholds",
    ),
]

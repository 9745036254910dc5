"""API endpoints of the dashboard area (included by api/urls.py)."""

from django.urls import path

from . import dashboard_views

urlpatterns: list = [
    path("dashboard/", dashboard_views.DashboardView.as_view(), name="api-dashboard"),
    path("warnings/", dashboard_views.WarningsView.as_view(), name="api-warnings"),
]

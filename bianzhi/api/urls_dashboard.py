"""API endpoints of the dashboard area (included by api/urls.py)."""

urlpatterns: list = []

"""API endpoints of the stats area (included by api/urls.py)."""

urlpatterns: list = []

"""API endpoints of the matters area (included by api/urls.py)."""

urlpatterns: list = []

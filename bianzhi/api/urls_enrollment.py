"""API endpoints of the enrollment area (included by api/urls.py)."""

urlpatterns: list = []

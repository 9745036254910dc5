"""API endpoints of the reconcile area (included by api/urls.py)."""

urlpatterns: list = []

"""Pages of the reconcile area (owned by its module; included by web/urls.py)."""

urlpatterns: list = []

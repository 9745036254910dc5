"""Pages of the stats area (owned by its module; included by web/urls.py)."""

urlpatterns: list = []

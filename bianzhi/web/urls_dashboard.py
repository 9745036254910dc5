"""Pages of the dashboard area (owned by its module; included by web/urls.py)."""

urlpatterns: list = []

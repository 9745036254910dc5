"""Pages of the matters area (owned by its module; included by web/urls.py)."""

urlpatterns: list = []

"""Pages of the enrollment area (owned by its module; included by web/urls.py)."""

urlpatterns: list = []

"""The unit self-service portal (unit_hr)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

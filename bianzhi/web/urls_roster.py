"""Office roster tools: search, person history, duplicates, field-change requests."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

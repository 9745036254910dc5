"""API endpoints of the enrollment area (included by api/urls.py): the
publicity of enrollment filings and its objections."""

from django.urls import path

from . import enrollment_views as views

urlpatterns = [
    path("enrollment/", views.FilingListView.as_view(), name="api-enrollment"),
    path(
        "enrollment/<int:pk>/publicity/",
        views.PublicityView.as_view(),
        name="api-enrollment-publicity",
    ),
    path(
        "enrollment/<int:pk>/objections/",
        views.ObjectionView.as_view(),
        name="api-enrollment-objections",
    ),
    path(
        "enrollment/<int:pk>/objections/<int:objection_id>/ruling/",
        views.RulingView.as_view(),
        name="api-enrollment-ruling",
    ),
]

"""Pages of the reconcile area (owned by its module; included by web/urls.py)."""

from django.urls import path

from .views import reconcile, reconcile_findings

urlpatterns: list = [
    path("reconcile/", reconcile.runs_page, name="reconcile_runs"),
    path("reconcile/new/", reconcile.new_page, name="reconcile_new"),
    path("reconcile/jobs/<str:job>/", reconcile.job_page, name="reconcile_job"),
    path(
        "reconcile/jobs/<str:job>/progress/",
        reconcile.job_progress,
        name="reconcile_job_progress",
    ),
    path(
        "reconcile/compare/", reconcile_findings.compare_page, name="reconcile_compare"
    ),
    path(
        "reconcile/handover/",
        reconcile_findings.handover_page,
        name="reconcile_handover",
    ),
    path("reconcile/<int:run_id>/", reconcile_findings.run_page, name="reconcile_run"),
    path(
        "reconcile/<int:run_id>/export.<str:fmt>",
        reconcile.run_export,
        name="reconcile_export",
    ),
    path(
        "reconcile/findings/<int:finding_id>/",
        reconcile_findings.finding_page,
        name="reconcile_finding",
    ),
    path(
        "reconcile/findings/<int:finding_id>/review/",
        reconcile_findings.review_action,
        name="reconcile_review",
    ),
    path(
        "reconcile/findings/<int:finding_id>/handover/",
        reconcile_findings.handover_action,
        name="reconcile_handover_mark",
    ),
]

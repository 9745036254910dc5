"""Imports (upload, progress, report) and exports."""

from django.urls import path

from .views import exchange, exchange_export

urlpatterns: list = [
    path("imports/", exchange.import_page, name="imports"),
    path("imports/<int:run_id>/", exchange.import_run, name="import_run"),
    path(
        "imports/<int:run_id>/progress/",
        exchange.import_progress,
        name="import_progress",
    ),
    path("imports/<int:run_id>/report/", exchange.import_report, name="import_report"),
    path("imports/<int:run_id>/commit/", exchange.import_commit, name="import_commit"),
    path("exports/", exchange_export.export_page, name="exports"),
    path("exports/download/", exchange_export.export_download, name="export_download"),
    path("exports/<str:job>/", exchange_export.export_job, name="export_job"),
    path(
        "exports/<str:job>/progress/",
        exchange_export.export_progress,
        name="export_progress",
    ),
    path("exports/<str:job>/file/", exchange_export.export_file, name="export_file"),
]

"""Documents: public verification, and the office's issued documents per unit."""

from django.urls import path

from .views import documents

urlpatterns = [
    path("verify/", documents.verify, name="document_verify"),
    path("verify/<str:code>/", documents.verify_by_code, name="document_verify_code"),
    path(
        "units/<int:unit_id>/documents/",
        documents.unit_documents,
        name="unit_documents",
    ),
    path(
        "documents/<int:document_id>/pdf/", documents.document_pdf, name="document_pdf"
    ),
    path(
        "documents/<int:document_id>/revoke/",
        documents.document_revoke,
        name="document_revoke",
    ),
]

"""Pages of the enrollment area (owned by its module; included by web/urls.py):
the publicity list (入编公示) and one filing's publicity with its objections.
The filing itself (submit, review, approve) is on the generic 审批 pages."""

from django.urls import path

from .views import enrollment

urlpatterns = [
    path("enrollment/", enrollment.filings, name="enrollment_filings"),
    path("enrollment/<int:request_id>/", enrollment.filing, name="enrollment_filing"),
    path(
        "enrollment/<int:request_id>/publish/",
        enrollment.publish,
        name="enrollment_publish",
    ),
    path(
        "enrollment/<int:request_id>/objections/",
        enrollment.object_,
        name="enrollment_object",
    ),
    path(
        "enrollment/<int:request_id>/objections/<int:objection_id>/rule/",
        enrollment.rule,
        name="enrollment_rule",
    ),
]

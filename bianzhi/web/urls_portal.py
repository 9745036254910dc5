"""The unit self-service portal (unit_hr) and the office's review of the
units' field-change requests (信息变更审核)."""

from django.urls import path

from .views import portal, requests

urlpatterns: list = [
    path("portal/", portal.portal_home, name="portal"),
    path("portal/<int:unit_id>/", portal.portal_unit, name="portal_unit"),
    path("portal/<int:unit_id>/people/", portal.portal_people, name="portal_people"),
    path(
        "portal/<int:unit_id>/people/<int:person_id>/",
        portal.portal_person,
        name="portal_person",
    ),
    path(
        "portal/<int:unit_id>/people/<int:person_id>/request/",
        portal.portal_request,
        name="portal_request",
    ),
    path(
        "portal/<int:unit_id>/requests/",
        portal.portal_requests,
        name="portal_requests",
    ),
    path(
        "portal/<int:unit_id>/requests/<int:request_id>/withdraw/",
        portal.portal_withdraw,
        name="portal_withdraw",
    ),
    path("requests/", requests.request_list, name="requests"),
    path("requests/<int:request_id>/", requests.request_detail, name="request"),
]

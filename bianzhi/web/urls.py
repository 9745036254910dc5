from django.urls import path

from . import (
    urls_approvals,
    urls_dashboard,
    urls_documents,
    urls_enrollment,
    urls_exchange,
    urls_matters,
    urls_portal,
    urls_reconcile,
    urls_roster,
    urls_stats,
)
from .views import (
    audit,
    auth,
    certificate,
    home,
    movements,
    office,
    regions,
    roster,
    units,
)

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("search/", home.search, name="search"),
    path("units/", units.unit_tree, name="unit_tree"),
    path("units/<int:unit_id>/", units.unit_detail, name="unit"),
    path(
        "units/<int:unit_id>/certificate/",
        certificate.certificate,
        name="certificate",
    ),
    path("persons/<int:person_id>/", roster.person_detail, name="person"),
    path("movements/", movements.movement_list, name="movements"),
    path("movements/<int:movement_id>/", movements.movement_detail, name="movement"),
    path("regions/", regions.region_list, name="regions"),
    path("regions/<str:code>/", regions.region_detail, name="region"),
    path("office/", office.office_index, name="office"),
    path("office/<slug:slug>/", office.office_form, name="office_form"),
    path("office/<slug:slug>/numbers/", office.office_numbers, name="office_numbers"),
    path("system/", audit.system_home, name="system"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/verify/", audit.audit_verify, name="audit_verify"),
    path("audit/<int:seq>/", audit.audit_event, name="audit_event"),
]
# Issue-4 pages, one module each so they grow apart: roster search, history,
# duplicates and field-change requests; imports/exports; the unit portal.
urlpatterns += urls_roster.urlpatterns + urls_exchange.urlpatterns
urlpatterns += urls_portal.urlpatterns
urlpatterns += urls_documents.urlpatterns
urlpatterns += urls_approvals.urlpatterns
# Issue-5/6/7 areas: enrollment filings, establishment matters and the
# coordination list; statistics; dashboard, warnings and decisions; reconciliation.
urlpatterns += urls_enrollment.urlpatterns + urls_matters.urlpatterns
urlpatterns += urls_stats.urlpatterns + urls_dashboard.urlpatterns
urlpatterns += urls_reconcile.urlpatterns

"""Pages of the matters area (owned by its module; included by web/urls.py):
机构编制事项 and 顶格协调事项清单."""

from django.urls import path

from .views import matters, matters_coordination

urlpatterns = [
    path("matters/", matters.matter_list, name="matters"),
    path("matters/<int:request_id>/", matters.matter_detail, name="matter"),
    path(
        "matters/<int:request_id>/<slug:action>/",
        matters.matter_act,
        name="matter_act",
    ),
    path("coordination/", matters_coordination.item_list, name="coordination"),
    path("coordination/new/", matters_coordination.item_new, name="coordination_new"),
    path(
        "coordination/<int:item_id>/",
        matters_coordination.item_detail,
        name="coordination_item",
    ),
    path(
        "coordination/<int:item_id>/edit/",
        matters_coordination.item_edit,
        name="coordination_edit",
    ),
    path(
        "coordination/<int:item_id>/close/",
        matters_coordination.item_close,
        name="coordination_close",
    ),
]

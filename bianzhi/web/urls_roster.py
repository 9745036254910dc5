"""Office roster tools: search, person history, duplicates, field-change requests."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

# PRIVACY: the audited 「显示完整号码」 on the person page (views/roster.py).
from .views import roster as _roster  # noqa: E402

urlpatterns.append(
    path(
        "persons/<int:person_id>/reveal-id/",
        _roster.person_reveal_id,
        name="person_reveal_id",
    )
)

# SEARCH: roster search, a person's change history, suspicious records.
from .views import roster_search as _search  # noqa: E402

urlpatterns += [
    path("roster/search/", _search.roster_search, name="roster_search"),
    path(
        "roster/suspicious/",
        _search.roster_suspicious_view,
        name="roster_suspicious",
    ),
    path(
        "persons/<int:person_id>/history/",
        _search.person_history,
        name="person_history",
    ),
]

from bianzhi.orgs import selectors
from bianzhi.orgs.models import Unit

from .conftest import establish


def _names(nodes):
    return [(n["unit"].name, _names(n["children"])) for n in nodes]


def test_unit_tree_nests_children_in_one_query(city, django_assert_num_queries):
    edu = establish(city, "教育局")
    school = establish(city, "一中", kind="institution", parent=edu)
    establish(city, "一中分校", kind="institution", parent=school)
    establish(city, "财政局")
    with django_assert_num_queries(1):
        tree = selectors.unit_tree(Unit.objects.filter(region=city).order_by("id"))
    assert _names(tree) == [("教育局", [("一中", [("一中分校", [])])]), ("财政局", [])]
    # Scoped to the school's branch: the school becomes a root.
    scoped = selectors.unit_tree(
        Unit.objects.filter(parent__isnull=False).order_by("id")
    )
    assert _names(scoped) == [("一中", [("一中分校", [])])]


def test_unit_children_one_level_with_has_children(city):
    edu = establish(city, "教育局")
    establish(city, "一中", kind="institution", parent=edu)
    establish(city, "财政局")
    qs = Unit.objects.filter(region=city).order_by("id")
    roots = list(selectors.unit_children(qs, None))
    assert [(u.name, u.has_children) for u in roots] == [
        ("教育局", True),
        ("财政局", False),
    ]
    assert [u.name for u in selectors.unit_children(qs, edu.pk)] == ["一中"]

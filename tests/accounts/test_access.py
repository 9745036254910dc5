"""Scope and role (DOMAIN §1): outside every scope → 404, in scope but the role
may not act → 403, with the assignment that allowed an action as the Actor."""

import pytest
from django.contrib.auth.models import AnonymousUser

from bianzhi.accounts.access import (
    access_region,
    access_unit,
    has_permission,
    region_codes_in_scope,
    require,
    units_in_scope,
)
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission

pytestmark = pytest.mark.django_db


def refused(code, func, *args):
    with pytest.raises(ApplicationError) as info:
        func(*args)
    assert info.value.code == code
    return info.value


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_region_scope_covers_sub_regions_units(province, make_user):
    user = make_user(("office_admin", province.city))
    p = province
    assert ids(units_in_scope(user)) == {p.bureau.pk, p.centre.pk, p.district_unit.pk}
    assert region_codes_in_scope(user) == {"990100", "990102"}
    unit, actor = access_unit(user, p.district_unit.pk, Permission.MANAGE_QUOTA)
    assert unit == p.district_unit
    assert (actor.user_id, actor.role, actor.scope) == (
        user.pk,
        "office_admin",
        "region:990100",
    )
    region, _ = access_region(user, "990102", Permission.MANAGE_QUOTA)
    assert region == p.district


def test_province_scope_covers_every_level_below(province, make_user):
    user = make_user(("inspector", province.province))
    assert units_in_scope(user).count() == 4
    assert region_codes_in_scope(user) == {"990000", "990100", "990102", "990200"}


def test_region_scope_excludes_sibling_and_parent_regions(province, make_user):
    user = make_user(("office_admin", province.city))
    error = refused(ErrorCode.OUT_OF_SCOPE, access_unit, user, province.other_unit.pk)
    assert error.http_status == 404
    refused(ErrorCode.OUT_OF_SCOPE, access_region, user, "990200")
    refused(ErrorCode.OUT_OF_SCOPE, access_region, user, "990000")


def test_unit_scope_covers_only_that_unit(province, make_user):
    user = make_user(("unit_hr", province.bureau))
    assert ids(units_in_scope(user)) == {province.bureau.pk}
    assert region_codes_in_scope(user) == set()
    unit, actor = access_unit(user, province.bureau.pk)
    assert unit == province.bureau and actor.scope == f"unit:{province.bureau.pk}"
    # Not even the institution under it, nor its region's ledger.
    refused(ErrorCode.OUT_OF_SCOPE, access_unit, user, province.centre.pk)
    refused(ErrorCode.OUT_OF_SCOPE, access_region, user, "990100")


def test_supervising_dept_covers_the_unit_and_its_institutions(province, make_user):
    user = make_user(("supervising_dept", province.bureau))
    assert ids(units_in_scope(user)) == {province.bureau.pk, province.centre.pk}
    unit, actor = access_unit(user, province.centre.pk)
    assert unit == province.centre and actor.role == "supervising_dept"
    refused(ErrorCode.OUT_OF_SCOPE, access_unit, user, province.district_unit.pk)


def test_in_scope_without_permission_is_forbidden(province, make_user):
    user = make_user(("unit_hr", province.bureau))
    error = refused(
        ErrorCode.ROLE_FORBIDDEN,
        access_unit,
        user,
        province.bureau.pk,
        Permission.MANAGE_QUOTA,
    )
    assert error.http_status == 403
    admin = make_user(("office_admin", province.city))
    refused(
        ErrorCode.ROLE_FORBIDDEN,
        access_region,
        admin,
        "990100",
        Permission.REFORM_REDUCTION,
    )
    leader = make_user(("office_leader", province.city))
    assert access_region(leader, "990100", Permission.REFORM_REDUCTION)[1].role == (
        "office_leader"
    )


def test_out_of_scope_wins_over_forbidden(province, make_user):
    # A unit the user cannot see must not reveal itself through a 403.
    user = make_user(("unit_hr", province.bureau))
    refused(
        ErrorCode.OUT_OF_SCOPE,
        access_unit,
        user,
        province.other_unit.pk,
        Permission.MANAGE_QUOTA,
    )


def test_permission_filters_units_in_scope(province, make_user):
    user = make_user(("unit_hr", province.bureau), ("office_admin", province.district))
    assert ids(units_in_scope(user)) == {province.bureau.pk, province.district_unit.pk}
    assert ids(units_in_scope(user, Permission.MANAGE_QUOTA)) == {
        province.district_unit.pk
    }


def test_the_assignment_that_allows_the_action_is_the_actor(province, make_user):
    user = make_user(
        ("unit_hr", province.district_unit), ("office_admin", province.city)
    )
    _, actor = access_unit(user, province.district_unit.pk, Permission.MANAGE_QUOTA)
    assert (actor.role, actor.scope) == ("office_admin", "region:990100")


@pytest.mark.parametrize("role", ["sys_admin", "sec_admin", "audit_admin"])
def test_the_three_administrators_see_no_units(province, make_user, role):
    user = make_user((role, None))
    assert units_in_scope(user).count() == 0
    assert region_codes_in_scope(user) == set()
    refused(ErrorCode.OUT_OF_SCOPE, access_unit, user, province.bureau.pk)
    refused(ErrorCode.OUT_OF_SCOPE, access_region, user, "990100")
    assert not has_permission(user, Permission.VIEW_ORGS)
    refused(ErrorCode.ROLE_FORBIDDEN, require, user, Permission.MANAGE_QUOTA)


def test_administrator_duties_are_separated(make_user):
    sys_admin = make_user(("sys_admin", None))
    sec_admin = make_user(("sec_admin", None))
    audit_admin = make_user(("audit_admin", None))
    office = make_user()
    assert require(sys_admin, Permission.MANAGE_USERS).role == "sys_admin"
    assert require(sec_admin, Permission.MANAGE_ROLES).role == "sec_admin"
    assert require(audit_admin, Permission.VIEW_AUDIT).role == "audit_admin"
    refused(ErrorCode.ROLE_FORBIDDEN, require, sys_admin, Permission.MANAGE_ROLES)
    refused(ErrorCode.ROLE_FORBIDDEN, require, sec_admin, Permission.VIEW_AUDIT)
    refused(ErrorCode.ROLE_FORBIDDEN, require, audit_admin, Permission.MANAGE_USERS)
    refused(ErrorCode.ROLE_FORBIDDEN, require, office, Permission.VIEW_AUDIT)


def test_missing_or_malformed_ids_are_out_of_scope(province, make_user):
    user = make_user(("office_admin", province.province))
    for value in (999_999, "abc", None, ""):
        refused(ErrorCode.OUT_OF_SCOPE, access_unit, user, value)
    refused(ErrorCode.OUT_OF_SCOPE, access_region, user, "123456")


def test_anonymous_and_disabled_users_see_nothing(province, make_user):
    anonymous = AnonymousUser()
    assert units_in_scope(anonymous).count() == 0
    refused(ErrorCode.OUT_OF_SCOPE, access_unit, anonymous, province.bureau.pk)
    user = make_user(("office_admin", province.city))
    user.is_active = False
    user.save()
    user = type(user).objects.get(pk=user.pk)
    assert units_in_scope(user).count() == 0
    refused(ErrorCode.OUT_OF_SCOPE, access_unit, user, province.bureau.pk)


def test_revoked_assignment_grants_nothing(province, make_user):
    from bianzhi.accounts.models import RoleAssignment
    from bianzhi.accounts.services import role_revoke
    from bianzhi.core.actor import Actor

    user = make_user(("office_admin", province.city))
    role_revoke(actor=Actor.system(), assignment=RoleAssignment.objects.get(user=user))
    user = type(user).objects.get(pk=user.pk)
    refused(ErrorCode.OUT_OF_SCOPE, access_unit, user, province.bureau.pk)

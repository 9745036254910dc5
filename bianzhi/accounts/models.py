"""Role assignments: a user holds roles, each over a scope (DOMAIN §1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from bianzhi.core.roles import Role
from bianzhi.orgs.models import Region, Unit


class RoleAssignment(models.Model):
    """(role, scope). A region scope covers the region, its sub-regions and their
    units; a unit scope covers that unit (for supervising_dept: also the
    institutions it supervises). The three administrators have no scope."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True)
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True)
    # Which partner department a partner_reviewer speaks for (组织部, 人社局 …).
    department = models.CharField("所属部门", max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=True) | Q(unit__isnull=True),
                name="roleassignment_one_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "unit"], name="roleassignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.scope_label}"

    @property
    def scope_key(self) -> str:
        if self.unit_id:
            return f"unit:{self.unit_id}"
        if self.region_id:
            return f"region:{self.region_id}"
        return ""

    @property
    def scope_label(self) -> str:
        if self.unit_id:
            return self.unit.name
        if self.region_id:
            return self.region.name
        return "全局"

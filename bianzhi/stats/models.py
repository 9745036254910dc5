"""Per-region warning thresholds (DOMAIN §8).

A rule's threshold comes from the nearest region up the tree that sets one,
else from the rule's default in code (stats/warning_rules*.py). Only
stats.services.warning_threshold_set writes these rows.
"""

from __future__ import annotations

from django.db import models

from bianzhi.orgs.models import Region


class WarningThreshold(models.Model):
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="warning_thresholds"
    )
    # The rule's stable code, e.g. "low_remaining" (stats.warning_rules).
    rule = models.CharField("预警规则", max_length=40)
    value = models.DecimalField("阈值", max_digits=10, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["region_id", "rule"]
        verbose_name = "预警阈值"
        constraints = [
            models.UniqueConstraint(
                fields=["region", "rule"], name="warningthreshold_one_per_rule"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="warningthreshold_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}:{self.rule}={self.value}"

from django.db import models


class AuditEvent(models.Model):
    """One business operation, appended to a keyed hash chain (DOMAIN §3.6).

    Never updated or deleted. `records` lists every row the operation changed,
    each as {"model", "pk", "before", "after"}. `hash` is an HMAC over the
    previous event's hash and this event's canonical form, with a key kept
    outside the database.
    """

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=40, blank=True)
    scope = models.CharField(max_length=80, blank=True)
    operation = models.CharField(max_length=80, db_index=True)
    doc_no = models.CharField(max_length=80, blank=True, db_index=True)
    client_addr = models.CharField(max_length=64, blank=True)
    batch_id = models.CharField(max_length=64, blank=True, db_index=True)
    summary = models.CharField(max_length=300, blank=True)
    records = models.JSONField(default=list)
    hash_alg = models.CharField(max_length=16)
    prev_hash = models.CharField(max_length=128)
    hash = models.CharField(max_length=128)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.operation}"


class AuditHead(models.Model):
    """The single row every writing transaction locks last: it keeps seq gapless."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=128, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audithead_singleton")
        ]


class CalendarDay(models.Model):
    """PRC working-day calendar. Seeded from chinesecalendar; editable by the office.

    A date without a row is outside the table: Monday–Friday count as working
    days there and due dates computed over them are marked provisional.
    """

    class Source(models.TextChoices):
        CHINESECALENDAR = "chinesecalendar", "chinesecalendar"
        OFFICE = "office", "编办录入"

    date = models.DateField(primary_key=True)
    is_workday = models.BooleanField()
    name = models.CharField(max_length=40, blank=True)  # 国庆节, 调休上班 …
    source = models.CharField(max_length=20, choices=Source.choices)

    class Meta:
        ordering = ["date"]

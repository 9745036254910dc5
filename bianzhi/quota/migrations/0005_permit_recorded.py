"""A permit approved outside the platform (on paper, before it went live) is
recorded without an approvals request, under its approval's document number;
every permit names one or the other."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quota", "0004_permit_by_credit"),
    ]

    operations = [
        migrations.AddField(
            model_name="permit",
            name="doc_no",
            field=models.CharField(
                blank=True, default="", max_length=60, verbose_name="批准文号"
            ),
        ),
        migrations.AlterField(
            model_name="permit",
            name="request_id",
            field=models.BigIntegerField(
                blank=True, null=True, unique=True, verbose_name="审批事项"
            ),
        ),
        migrations.AddConstraint(
            model_name="permit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("request_id__isnull", False),
                    models.Q(("doc_no", ""), _negated=True),
                    _connector="OR",
                ),
                name="permit_has_approval",
            ),
        ),
    ]

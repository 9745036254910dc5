"""A permit may be backed by N-out-1-in intake credits instead of reserved
vacancies (an account full or over quota); such a permit converts nothing
from a plan's reservation."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0001_initial"),
        ("quota", "0003_plans_permits"),
    ]

    operations = [
        migrations.AddField(
            model_name="permit",
            name="by_credit",
            field=models.BooleanField(default=False, verbose_name="凭进人额度"),
        ),
        migrations.AddConstraint(
            model_name="permit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("by_credit", False), ("converted", 0), _connector="OR"
                ),
                name="permit_credit_converts_nothing",
            ),
        ),
    ]

# B-tree indexes for the roster search and the duplicate finder (issue 4,
# roster/search.py and roster/suspicious.py). person_name_idx becomes
# (name, certified_birth_date): it still serves every lookup by name and lets
# the finder group on name + birth date without sorting.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("roster", "0002_fieldchangerequest"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="person",
            name="person_name_idx",
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["name", "certified_birth_date"], name="person_name_birth_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["certified_birth_date"], name="person_birth_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["education"], name="person_education_idx"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["rank"], name="person_rank_idx"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["identity"], name="person_identity_idx"),
        ),
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(fields=["entered_unit_on"], name="posting_entered_idx"),
        ),
    ]

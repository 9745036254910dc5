"""On PostgreSQL, a GIN index (jsonb_path_ops) on the audit events' records:
a person's or unit's history finds the events naming its rows by jsonb
containment (roster/history.py) without reading the whole trail. SQLite has
no such index; its history scans the records' text (instr), which is fast
enough at the sizes SQLite serves."""

from django.db import migrations

INDEX = "core_auditevent_records_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON core_auditevent "
            "USING gin (records jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_seed_calendar")]

    operations = [migrations.RunPython(create, drop)]

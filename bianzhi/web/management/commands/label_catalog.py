"""`bianzhi label_catalog`: regenerate web/label_catalog.py (--check: only compare)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bianzhi.web import label_sources


class Command(BaseCommand):
    help = "Regenerate the gettext_noop catalogue of the domain's display labels."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="fail if the module is out of date"
        )

    def handle(self, *args, check: bool = False, **options) -> None:
        groups = label_sources.collect()
        text = label_sources.render_module(groups)
        count = sum(len(labels) for labels in groups.values())
        current = (
            label_sources.MODULE.read_text(encoding="utf-8")
            if label_sources.MODULE.exists()
            else ""
        )
        if check:
            if current != text:
                raise CommandError("label_catalog.py is out of date")
            self.stdout.write(f"label_catalog.py is up to date ({count} labels)")
            return
        label_sources.MODULE.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {label_sources.MODULE.name} ({count} labels)")

"""The `bianzhi` console command (ARCHITECTURE.md: command-line contract).

Project commands are Django management commands; a few names are mapped so
that `bianzhi check` runs the invariant check (Django's own system check stays
available as `bianzhi django-check`). Anything else passes through.
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "check": "bianzhi_check",
    "django-check": "check",
    "audit": "bianzhi_audit",
    "import": "import_data",  # a module may not be named after the keyword
    "verify-document": "verify_document",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bianzhi", *args])


if __name__ == "__main__":
    main()

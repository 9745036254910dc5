"""Test settings: the same databases as production, never a mock.

Without DATABASE_URL the suite runs on a *file* SQLite database: the in-memory
one shares a cache and answers "table is locked" instead of waiting, which
would hide how real writers queue (ARCHITECTURE.md, race tests).
"""

import os
import tempfile

from .base import *  # noqa: F401,F403
from .base import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
KEY_DIR = VAR_DIR / "test-keys"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(
            tempfile.gettempdir(),
            # One file per test process: parallel runs (xdist workers, several
            # checkouts) must not destroy each other's database.
            f"bianzhi-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}.sqlite3",
        )
    }

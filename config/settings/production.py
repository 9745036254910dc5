"""Production: DEBUG off, a real secret required, PostgreSQL via DATABASE_URL."""

import os

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = os.environ["BIANZHI_SECRET_KEY"]
SESSION_COOKIE_SECURE = os.environ.get("BIANZHI_HTTPS", "0") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

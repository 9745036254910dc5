"""`bianzhi setup` (run by `make run`): keys outside the database, migrations."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_setup_creates_keys_once_and_is_repeatable(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("BIANZHI_AUDIT_KEY", raising=False)
    settings.KEY_DIR = tmp_path / "keys"
    settings.STATIC_ROOT = tmp_path / "static"
    out = StringIO()
    call_command("setup", stdout=out)
    assert "audit.key" in out.getvalue() and "checkpoint.key" in out.getvalue()
    assert (tmp_path / "static").is_dir()
    out = StringIO()
    call_command("setup", stdout=out)
    assert "密钥文件" not in out.getvalue()
    assert "已迁移" in out.getvalue()

"""`bianzhi audit verify|checkpoint` (ARCHITECTURE.md: command-line contract)."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from .test_audit import append, raw_delete_tail_and_fix_head, raw_update_records

BIANZHI = Path(sys.executable).with_name("bianzhi")


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("bianzhi_audit", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
class TestAuditCommand:
    def test_verify_json_ok(self):
        append(3)
        code, out, _ = run("verify", "--json")
        assert code == 0
        data = json.loads(out)
        assert data["ok"] is True
        assert (data["head_seq"], data["checked"]) == (3, 3)
        assert data["problems"] == []

    def test_verify_names_the_first_bad_event(self):
        append(4)
        raw_update_records(3, [{"model": "x", "pk": 1}])
        code, out, _ = run("verify", "--json")
        assert code == 1
        data = json.loads(out)
        assert data["ok"] is False and data["first_bad_seq"] == 3
        assert data["problems"][0]["code"] == "AUDIT_TAMPERED"
        code, _, err = run("verify")
        assert code == 1 and "第3号" in err

    def test_checkpoint_then_tail_deletion(self, tmp_path):
        append(3)
        path = tmp_path / "cp.json"
        code, out, _ = run("checkpoint", "--out", str(path))
        assert code == 0 and "第3号" in out
        assert run("verify", "--checkpoint", str(path))[0] == 0
        raw_delete_tail_and_fix_head()
        assert run("verify")[0] == 0
        code, out, _ = run("verify", "--checkpoint", str(path), "--json")
        assert code == 1
        assert json.loads(out)["problems"][0]["code"] == "AUDIT_TAIL_DELETED"

    def test_forged_checkpoint_file_refused(self, tmp_path):
        append(2)
        path = tmp_path / "cp.json"
        run("checkpoint", "--out", str(path))
        data = json.loads(path.read_text())
        data["seq"] = 1
        path.write_text(json.dumps(data))
        with pytest.raises(CommandError, match="检查点"):
            run("verify", "--checkpoint", str(path))


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    options = settings.get("OPTIONS") or {}
    host = settings.get("HOST") or options.get("host") or ""
    port = settings.get("PORT") or options.get("port") or ""
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@"
    location = quote(str(host), safe="") + (f":{port}" if port else "")
    return f"postgres://{auth}{location}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_console_command_exit_codes(tmp_path):
    """The installed `bianzhi` entry point, as an operator runs it."""
    if not BIANZHI.exists():
        pytest.skip("the bianzhi console script is not installed in this venv")
    append(3)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
    }
    checkpoint = tmp_path / "cp.json"

    def bianzhi(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIANZHI), "audit", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    result = bianzhi("checkpoint", "--out", str(checkpoint))
    assert result.returncode == 0, result.stderr
    result = bianzhi("verify", "--json", "--checkpoint", str(checkpoint))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["head_seq"] == 3

    raw_update_records(2, [{"model": "x", "pk": 2}])
    result = bianzhi("verify")
    assert result.returncode == 1
    assert "第2号" in result.stderr

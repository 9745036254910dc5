"""Key files outside the database, and the error catalogue."""

import stat
import threading

import pytest
from cryptography.hazmat.primitives import serialization

from bianzhi.core import keys
from bianzhi.core.errors import HTTP_STATUS, MESSAGES, ApplicationError, ErrorCode


@pytest.fixture
def key_dir(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("BIANZHI_AUDIT_KEY", raising=False)
    settings.KEY_DIR = tmp_path / "keys"
    return settings.KEY_DIR


def test_key_files_are_private_and_idempotent(key_dir):
    created = keys.ensure_keys()
    assert {p.name for p in created} == {
        "audit.key",
        "checkpoint.key",
        "checkpoint.pub",
    }
    for name in ("audit.key", "checkpoint.key"):
        assert stat.S_IMODE((key_dir / name).stat().st_mode) == 0o600
    assert len(keys.audit_key()) == 32
    assert keys.ensure_keys() == []
    assert not [p for p in key_dir.iterdir() if p.name.startswith(".")]


def test_environment_key_overrides_the_file(key_dir, monkeypatch):
    keys.ensure_keys()
    monkeypatch.setenv("BIANZHI_AUDIT_KEY", "ab" * 32)
    assert keys.audit_key() == bytes.fromhex("ab" * 32)


def test_missing_key_is_a_clear_configuration_error(key_dir):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="bianzhi setup"):
        keys.audit_key()


@pytest.mark.race
def test_concurrent_setup_agrees_on_one_key(key_dir):
    # xdist workers and parallel `bianzhi setup` runs create keys at once:
    # nobody may fail, read a half-written key or overwrite the winner's.
    barrier = threading.Barrier(8)
    errors, seen = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            keys.ensure_keys()
            seen.append((keys.audit_key(), keys.checkpoint_public_key()))
        except BaseException as exc:  # noqa: B036 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len({audit_key for audit_key, _ in seen}) == 1
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    public = {pub.public_bytes(*raw) for _, pub in seen}
    assert public == {keys.checkpoint_private_key().public_key().public_bytes(*raw)}


def test_every_code_has_a_chinese_message():
    assert set(MESSAGES) == set(ErrorCode)
    assert all(MESSAGES[code] for code in ErrorCode)


def test_http_status_of_codes():
    assert ApplicationError(ErrorCode.OUT_OF_SCOPE).http_status == 404
    assert ApplicationError(ErrorCode.ROLE_FORBIDDEN).http_status == 403
    assert ApplicationError(ErrorCode.QUOTA_FULL).http_status == 400
    assert HTTP_STATUS[ErrorCode.STEP_OUT_OF_TURN] == 409


def test_error_message_and_dict():
    error = ApplicationError(
        ErrorCode.QUOTA_FULL,
        "行政编制核定5名，已占用5名",
        field="amount",
        params={"n": 5},
    )
    assert error.message == "该编制账户已满编，无进人额度：行政编制核定5名，已占用5名"
    assert str(error) == error.message
    assert error.as_dict() == {
        "code": "QUOTA_FULL",
        "message": error.message,
        "field": "amount",
        "params": {"n": 5},
    }
    assert ApplicationError("DATE_INVALID").code is ErrorCode.DATE_INVALID

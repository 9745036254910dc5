"""The office certificate created at install by `bianzhi setup`."""

from __future__ import annotations

import stat
import threading
from io import StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from bianzhi.documents import keys


@pytest.fixture
def key_dir(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("BIANZHI_AUDIT_KEY", raising=False)
    settings.KEY_DIR = tmp_path / "keys"
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.KEY_DIR


def _chain_ok(key_dir) -> x509.Certificate:
    ca = x509.load_pem_x509_certificate((key_dir / keys.CA_CERT).read_bytes())
    cert = x509.load_pem_x509_certificate((key_dir / keys.SIGN_CERT).read_bytes())
    cert.verify_directly_issued_by(ca)
    return cert


@pytest.mark.django_db
def test_setup_creates_the_office_certificate_once(key_dir):
    out = StringIO()
    call_command("setup", stdout=out)
    for name in (keys.CA_KEY, keys.CA_CERT, keys.SIGN_KEY, keys.SIGN_CERT):
        assert name in out.getvalue()
    for name in (keys.CA_KEY, keys.SIGN_KEY):
        assert stat.S_IMODE((key_dir / name).stat().st_mode) == 0o600
    cert = _chain_ok(key_dir)
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    out = StringIO()
    call_command("setup", stdout=out)
    assert "密钥文件" not in out.getvalue()


def test_signing_without_setup_is_a_clear_configuration_error(key_dir):
    with pytest.raises(ImproperlyConfigured, match="bianzhi setup"):
        keys.signing_files()


@pytest.mark.race
def test_concurrent_setup_agrees_on_one_chain(key_dir):
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            keys.ensure_office_certificate()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    _chain_ok(key_dir)
    assert not [p for p in key_dir.iterdir() if p.name.startswith(".")]

"""The office certificate of the default document signer (DOMAIN §4).

A *system verification signature*, not a legal e-seal: at install `bianzhi
setup` creates a self-signed office CA and a signing certificate issued by it,
next to the other key files (settings.KEY_DIR):

- office-ca.key (0600) / office-ca.pem: the trust root verification pins;
- office-sign.key (0600) / office-sign.pem: what signs each PDF.

Nothing is fetched or trusted from outside: verification accepts exactly the
documents signed under this office CA. Keys are ECDSA P-256 (fast, and every
PDF reader validates it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured

from bianzhi.core.keys import _publish, key_dir

CA_KEY = "office-ca.key"
CA_CERT = "office-ca.pem"
SIGN_KEY = "office-sign.key"
SIGN_CERT = "office-sign.pem"
# Long enough to outlive the documents: there is no timestamp authority on an
# offline intranet, so a document is checked against certificates still valid.
CA_YEARS = 40
SIGN_YEARS = 30

ORGANIZATION = "机构编制委员会办公室"
CA_COMMON_NAME = "编制管理平台文书签名根证书"
SIGN_COMMON_NAME = "编制管理平台系统验证签名"


def _path(name: str) -> Path:
    return key_dir() / name


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _load_key(name: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(_path(name).read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(_name(CA_COMMON_NAME))
        .issuer_name(_name(CA_COMMON_NAME))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public), critical=False
        )
        .sign(key, hashes.SHA256())
    )


def _signing_certificate(
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(_name(SIGN_COMMON_NAME))
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * SIGN_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def ensure_office_certificate() -> list[Path]:
    """Create any missing office key/certificate file; return the ones created.

    Each file is derived from the files already published (read back from
    disk), so two `bianzhi setup` runs racing each other end with one
    consistent chain whichever wins each step (core.keys._publish).
    """
    created: list[Path] = []

    def publish(name: str, data: bytes, mode: int) -> None:
        if _publish(_path(name), data, mode):
            created.append(_path(name))

    if not _path(CA_KEY).exists():
        publish(CA_KEY, _private_pem(ec.generate_private_key(ec.SECP256R1())), 0o600)
    if not _path(CA_CERT).exists():
        cert = _ca_certificate(_load_key(CA_KEY))
        publish(CA_CERT, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    if not _path(SIGN_KEY).exists():
        publish(SIGN_KEY, _private_pem(ec.generate_private_key(ec.SECP256R1())), 0o600)
    if not _path(SIGN_CERT).exists():
        cert = _signing_certificate(
            _load_key(SIGN_KEY), _load_key(CA_KEY), ca_certificate()
        )
        publish(SIGN_CERT, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return created


def _require(name: str) -> Path:
    path = _path(name)
    if not path.exists():
        raise ImproperlyConfigured(
            f"文书签名证书文件不存在：{path}。请先运行 bianzhi setup（make run 会自动运行）。"
        )
    return path


def ca_certificate() -> x509.Certificate:
    return x509.load_pem_x509_certificate(_require(CA_CERT).read_bytes())


def signing_files() -> tuple[Path, Path, Path]:
    """(signing key, signing certificate, CA certificate) paths, all present."""
    return _require(SIGN_KEY), _require(SIGN_CERT), _require(CA_CERT)

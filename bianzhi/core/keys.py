"""Key files kept outside the database (DOMAIN §3.6).

- audit.key: the HMAC key of the audit chain (or env BIANZHI_AUDIT_KEY, hex).
- checkpoint.key / checkpoint.pub: Ed25519 pair that signs audit checkpoints.
Files are created by `bianzhi setup` (run by `make run`) with 0600 permissions.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def key_dir() -> Path:
    return Path(settings.KEY_DIR)


def _write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_keys() -> list[Path]:
    """Create any missing key file; return the ones created."""
    created = []
    audit = key_dir() / "audit.key"
    if not os.environ.get("BIANZHI_AUDIT_KEY") and not audit.exists():
        _write_secret(audit, secrets.token_hex(32).encode())
        created.append(audit)
    private = key_dir() / "checkpoint.key"
    if not private.exists():
        key = Ed25519PrivateKey.generate()
        _write_secret(
            private,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        (key_dir() / "checkpoint.pub").write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
        )
        created += [private, key_dir() / "checkpoint.pub"]
    return created


def audit_key() -> bytes:
    env = os.environ.get("BIANZHI_AUDIT_KEY")
    if env:
        return bytes.fromhex(env)
    path = key_dir() / "audit.key"
    if not path.exists():
        raise ImproperlyConfigured(
            f"审计密钥文件不存在：{path}。请先运行 bianzhi setup（make run 会自动运行）。"
        )
    return bytes.fromhex(path.read_text().strip())


def checkpoint_private_key() -> Ed25519PrivateKey:
    path = key_dir() / "checkpoint.key"
    if not path.exists():
        raise ImproperlyConfigured(f"检查点签名密钥不存在：{path}")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def checkpoint_public_key() -> Ed25519PublicKey:
    key = serialization.load_pem_public_key((key_dir() / "checkpoint.pub").read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    return key

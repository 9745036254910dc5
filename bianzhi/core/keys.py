"""Key files kept outside the database (DOMAIN §3.6).

- audit.key: the HMAC key of the audit chain (or env BIANZHI_AUDIT_KEY, hex).
- checkpoint.key / checkpoint.pub: Ed25519 pair that signs audit checkpoints.
Files are created by `bianzhi setup` (run by `make run`) with 0600 permissions.
"""

from __future__ import annotations

import os
import secrets
import tempfile
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


def _publish(path: Path, data: bytes, mode: int) -> bool:
    """Create `path` with `data` unless it exists; True if this call created it.

    The file appears complete or not at all (written aside, then hard-linked
    into place), so a second process starting at the same moment (xdist
    workers, two `bianzhi setup` runs) never reads a half-written key and
    never overwrites the key the first one published.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:
            # A filesystem without hard links: exclusive create, then write.
            try:
                out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            except FileExistsError:
                return False
            with os.fdopen(out, "wb") as handle:
                handle.write(data)
        return True
    finally:
        os.unlink(tmp)


def _public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def ensure_keys() -> list[Path]:
    """Create any missing key file; return the ones created."""
    created = []
    audit = key_dir() / "audit.key"
    if not os.environ.get("BIANZHI_AUDIT_KEY") and not audit.exists():
        if _publish(audit, secrets.token_hex(32).encode(), 0o600):
            created.append(audit)
    private = key_dir() / "checkpoint.key"
    if not private.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        if _publish(private, pem, 0o600):
            created.append(private)
    public = key_dir() / "checkpoint.pub"
    if not public.exists():
        # Always derived from the private key that won, never from our own draft.
        if _publish(public, _public_pem(checkpoint_private_key()), 0o644):
            created.append(public)
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
    path = key_dir() / "checkpoint.pub"
    if not path.exists():
        raise ImproperlyConfigured(f"检查点公钥不存在：{path}")
    key = serialization.load_pem_public_key(path.read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    return key

"""Attachments (argumentation material, proofs) with size and type limits.

The type is decided by the file's content, never by its name: an executable
renamed 报告.pdf is refused (ATTACHMENT_TYPE_NOT_ALLOWED). Accepted: PDF, OFD,
Word/Excel (OOXML zip with [Content_Types].xml; legacy OLE .doc/.xls), JPEG
and PNG. Files are stored content-addressed under MEDIA_ROOT/attachments/ and
their sha256 is recorded, so an attachment can later be proven unchanged.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path, PurePath
from typing import BinaryIO

from django.conf import settings
from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from .models import Attachment

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Legacy Office files are OLE containers, as are installers (.msi) and other
# things: the container alone does not say "document", so its name must too.
OLE_EXTENSIONS = {"doc": "doc", "xls": "xls", "wps": "doc", "et": "xls"}
ALLOWED_LABEL = "PDF、OFD、Word（doc/docx）、Excel（xls/xlsx）、JPEG、PNG"


def max_bytes() -> int:
    limit = getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
    upload = getattr(settings, "UPLOAD_MAX_BYTES", None)
    return min(limit, upload) if upload else limit


def _zip_type(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "OFD.xml" in names:
        return "ofd"
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


def sniff_type(path: Path, filename: str) -> str | None:
    """The file's type from its first bytes (and zip directory); None if not allowed."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(path)
    if head.startswith(OLE_MAGIC):
        return OLE_EXTENSIONS.get(PurePath(filename).suffix.lower().lstrip("."))
    return None


def _clean_name(name: str) -> str:
    # Browsers may send a full Windows path; keep the last component only.
    name = PurePath(name.replace("\\", "/")).name.strip()
    return name[:255] or "附件"


def attachment_store(
    *,
    actor: Actor,
    file: BinaryIO,
    owner_type: str,
    owner_id: int,
    filename: str | None = None,
) -> Attachment:
    """Store one uploaded file for (owner_type, owner_id); one audit event.

    `file` is any binary file object (a Django UploadedFile, an open file);
    `filename` defaults to its `.name`. FILE_TOO_LARGE past max_bytes(),
    FILE_UNREADABLE for an empty file, ATTACHMENT_TYPE_NOT_ALLOWED when the
    content is not one of the allowed types.
    """
    name = _clean_name(filename or getattr(file, "name", "") or "")
    limit = max_bytes()
    folder = Path(settings.MEDIA_ROOT) / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            chunks = file.chunks(CHUNK) if hasattr(file, "chunks") else None
            while True:
                chunk = next(chunks, b"") if chunks else file.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise ApplicationError(
                        ErrorCode.FILE_TOO_LARGE,
                        f"附件不得超过 {limit // (1024 * 1024)} MB",
                        field="file",
                        params={"limit": limit},
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ApplicationError(ErrorCode.FILE_UNREADABLE, "文件为空", field="file")
        file_type = sniff_type(tmp, name)
        if file_type is None:
            raise ApplicationError(
                ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED,
                f"{name} 的内容不是允许的类型（{ALLOWED_LABEL}）",
                field="file",
            )
        sha256 = digest.hexdigest()
        relative = Path("attachments") / sha256[:2] / f"{sha256}.{file_type}"
        target = Path(settings.MEDIA_ROOT) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)  # same content, same name: a re-upload is harmless
    finally:
        tmp.unlink(missing_ok=True)
    with transaction.atomic():
        attachment = Attachment(
            owner_type=owner_type,
            owner_id=owner_id,
            filename=name,
            file_type=file_type,
            size=size,
            sha256=sha256,
            path=str(relative),
            uploaded_by_id=actor.user_id,
            uploaded_by_name=actor.name,
        )
        attachment.full_clean()
        attachment.save()
        audit.record(
            actor=actor,
            operation="attachment_store",
            records=[audit.change(attachment, None, audit.snapshot(attachment))],
            summary=f"上传附件 {name}（{size} 字节）",
        )
    return attachment


def attachments_for(owner_type: str, owner_id: int) -> list[Attachment]:
    return list(Attachment.objects.filter(owner_type=owner_type, owner_id=owner_id))


def attachment_path(attachment: Attachment) -> Path:
    return Path(settings.MEDIA_ROOT) / attachment.path

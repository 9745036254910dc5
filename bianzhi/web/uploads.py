"""Receiving an import file: size limit while the body streams in, then a safe place on disk.

The limit is enforced by an upload handler that counts bytes as they arrive,
so a file over settings.UPLOAD_MAX_BYTES is dropped after the limit instead of
being spooled whole to a temporary file first; the page then answers with the
FILE_TOO_LARGE message (never a 500, never a reset connection). The handler
has to be installed before anything reads request.POST, which the CSRF
middleware would do; views using it are csrf_exempt outside and csrf_protect
inside (Django's documented pattern for custom upload handlers).
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from bianzhi.core.errors import ApplicationError, ErrorCode


def upload_limit() -> int:
    return int(settings.UPLOAD_MAX_BYTES)


def limit_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return f"{limit} 字节"


def too_large(limit: int | None = None) -> ApplicationError:
    limit = upload_limit() if limit is None else limit
    return ApplicationError(
        ErrorCode.FILE_TOO_LARGE,
        f"上传文件不得超过 {limit_text(limit)}；省级规模的名册请使用 CSV 格式或分批导入",
        field="file",
    )


class SizeLimitHandler(FileUploadHandler):
    """First in the chain: stops the upload once the file passes the limit."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        # The whole body is larger than a file at the limit plus a form's worth
        # of fields: refuse before reading any of it.
        if content_length and content_length > self.limit + 64 * 1024:
            self.exceeded = True
        return None

    def new_file(self, *args, **kwargs) -> None:
        if self.exceeded:
            raise StopUpload(connection_reset=False)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            # Django then drains the rest of the body without keeping it, so
            # the browser receives our page rather than a reset connection.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        return None


def install_limit(request: HttpRequest) -> SizeLimitHandler:
    handler = SizeLimitHandler(request, upload_limit())
    request.upload_handlers.insert(0, handler)
    return handler


def safe_filename(name: str) -> str:
    """The user's file name without any path, control or reserved characters.

    Chinese names are kept (clerks recognise their files by them); only the
    characters a file system or a download header could misread are replaced.
    """
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]', "_", base)
    base = base.lstrip(".") or "upload"
    if len(base) > 120:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[:100] + dot + suffix[:15]) if dot else base[:120]
    return base


def store_upload(upload: UploadedFile, folder: str = "uploads") -> Path:
    """MEDIA_ROOT/<folder>/<uuid>/<name>: one directory per upload, never overwritten."""
    directory = Path(settings.MEDIA_ROOT) / folder / uuid.uuid4().hex
    directory.mkdir(parents=True, exist_ok=False)
    target = directory / safe_filename(upload.name or "")
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def discard_upload(path: Path) -> None:
    """Remove a stored upload and its own directory (nothing refers to it)."""
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass

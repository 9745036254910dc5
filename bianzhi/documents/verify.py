"""Is this PDF a genuine document of ours? (public page and `bianzhi verify-document`)

Two independent checks must both pass:
1. the signature (signer.verify): intact, valid, under our office CA, and
   nothing appended after signing;
2. the register: the file's sha256 is that of a document we issued, and the
   document is not revoked.
A file whose signature holds but which we never registered (another
installation, a test print) is 未登记; a file whose serial we know but whose
bytes differ is 已被篡改.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from bianzhi.core.errors import ApplicationError, ErrorCode

from .models import Document
from .render import META_SERIAL
from .signing import SignatureCheck, get_signer


class Outcome(models.TextChoices):
    GENUINE = "genuine", "真实有效"
    ALTERED = "altered", "已被篡改"
    UNKNOWN = "unknown", "未登记"
    REVOKED = "revoked", "已作废"
    SIGNATURE_INVALID = "signature_invalid", "签名无效"


@dataclass(frozen=True)
class VerificationResult:
    outcome: str
    document: Document | None
    signature: SignatureCheck | None
    serial: str  # as found in the file (or the register)
    detail: str  # one Chinese sentence: why

    @property
    def genuine(self) -> bool:
        return self.outcome == Outcome.GENUINE

    @property
    def label(self) -> str:
        return Outcome(self.outcome).label


PDF_MAGIC = b"%PDF-"


def _revoked_text(document: Document) -> str:
    when = timezone.localtime(document.revoked_at) if document.revoked_at else None
    return f"该文书已于{when:%Y-%m-%d}作废：{document.revoked_reason}"


def serial_in_file(data: bytes) -> str:
    """The serial the document info claims (empty if none or unreadable)."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        info = PdfFileReader(io.BytesIO(data), strict=False).trailer_view.get("/Info")
        value = info.get_object().get(f"/{META_SERIAL}") if info is not None else None
    except (PdfError, ValueError, KeyError, TypeError, AttributeError):
        return ""
    return str(value) if value is not None else ""


def verify_pdf(data: bytes) -> VerificationResult:
    """Check a PDF file; FILE_UNREADABLE if it is not a PDF at all."""
    if PDF_MAGIC not in data[:1024]:
        raise ApplicationError(ErrorCode.FILE_UNREADABLE, "不是 PDF 文件")
    signature = get_signer().verify(data)
    digest = hashlib.sha256(data).hexdigest()
    registered = Document.objects.filter(sha256=digest).select_related("unit").first()
    serial = registered.serial if registered else serial_in_file(data)
    by_serial = registered
    if by_serial is None and serial:
        by_serial = (
            Document.objects.filter(serial=serial).select_related("unit").first()
        )

    def result(outcome: str, detail: str) -> VerificationResult:
        return VerificationResult(outcome, by_serial, signature, serial, detail)

    if signature.present and not (signature.intact and signature.whole_file):
        return result(Outcome.ALTERED, signature.problem)
    if not signature.present:
        if by_serial is not None:
            return result(Outcome.ALTERED, f"{signature.problem}，与登记的文书不一致")
        return result(Outcome.SIGNATURE_INVALID, signature.problem)
    if not (signature.valid and signature.trusted):
        return result(Outcome.SIGNATURE_INVALID, signature.problem)
    if registered is not None:
        if registered.revoked:
            return result(
                Outcome.REVOKED,
                _revoked_text(registered),
            )
        return result(Outcome.GENUINE, "签名完好，文件与登记的文书一致")
    if by_serial is not None:
        return result(Outcome.ALTERED, "文件与登记的文书不一致")
    return result(Outcome.UNKNOWN, "签名完好，但本平台没有登记该文书")


def verify_code(serial: str, code: str) -> VerificationResult:
    """The register's answer for a serial + verification code (or the QR code alone).

    With only a code (the QR target) `serial` is empty. A wrong pair answers
    未登记 exactly as an unknown serial does: the page must not reveal which
    serial numbers exist.
    """
    code = (code or "").strip()
    serial = (serial or "").strip()
    document = None
    if code:
        found = Document.objects.filter(verification_code=code).select_related("unit")
        if serial:
            found = found.filter(serial=serial)
        document = found.first()
    if document is None:
        return VerificationResult(
            Outcome.UNKNOWN, None, None, "", "未找到与文书编号和验证码相符的文书"
        )
    if document.revoked:
        return VerificationResult(
            Outcome.REVOKED,
            document,
            None,
            document.serial,
            _revoked_text(document),
        )
    return VerificationResult(
        Outcome.GENUINE,
        document,
        None,
        document.serial,
        "登记在册；请核对纸面内容与本页所示一致，或上传 PDF 文件核验签名",
    )

"""The pluggable document signer (DOMAIN §4).

settings.DOCUMENT_SIGNER names a class (dotted path) with
    name: str                                           — printed on the register
    sign(pdf_bytes, *, reason, location) -> bytes       — the signed PDF
    verify(pdf_bytes) -> SignatureCheck                 — integrity + trust only
The default, PadesSigner, is a PAdES signature (pyHanko) with the office
certificate created at install (documents/keys.py): a *system verification
signature*, not a legal e-seal. A deployment with a GB/T 38540 SM2 e-seal
provider plugs in its own class; the register checks (serial, sha256,
revocation) in verify.py stay the same whatever signs.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from . import keys

DEFAULT_SIGNER = "bianzhi.documents.signing.PadesSigner"
FIELD_NAME = "BianzhiSignature"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignatureCheck:
    """What the signer can tell about a file on its own."""

    present: bool  # the file carries a signature of this signer's kind
    intact: bool  # the signed bytes are unchanged (their digest matches)
    valid: bool  # the signature value verifies with the certificate's key
    trusted: bool  # the certificate chains to our trust root
    whole_file: bool  # nothing was added or changed after signing
    signer_name: str = ""
    signed_at: dt.datetime | None = None
    problem: str = ""  # why not ok, in Chinese

    @property
    def ok(self) -> bool:
        return (
            self.present
            and self.intact
            and self.valid
            and self.trusted
            and self.whole_file
        )


class Signer(Protocol):
    name: str

    def sign(self, pdf_bytes: bytes, *, reason: str, location: str) -> bytes: ...

    def verify(self, pdf_bytes: bytes) -> SignatureCheck: ...


def _absent(problem: str) -> SignatureCheck:
    return SignatureCheck(False, False, False, False, False, problem=problem)


def get_signer() -> Signer:
    path = getattr(settings, "DOCUMENT_SIGNER", DEFAULT_SIGNER)
    return import_string(path)()


class PadesSigner:
    """PAdES baseline signature with the office certificate, trusted by pinning.

    Verification trusts exactly the office CA of this installation: a PDF
    signed with any other certificate, however valid elsewhere, is refused.
    """

    name = "PAdES 系统验证签名（本办证书）"

    def sign(self, pdf_bytes: bytes, *, reason: str, location: str) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers
        from pyhanko.sign.fields import SigSeedSubFilter

        key_file, cert_file, ca_file = keys.signing_files()
        signer = signers.SimpleSigner.load(
            str(key_file), str(cert_file), ca_chain_files=(str(ca_file),)
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            reason=reason,
            location=location,
            subfilter=SigSeedSubFilter.PADES,
        )
        out = signers.sign_pdf(writer, meta, signer=signer)
        return out.getvalue()

    def verify(self, pdf_bytes: bytes) -> SignatureCheck:
        from pyhanko.keys import load_cert_from_pemder
        from pyhanko.pdf_utils.misc import PdfError
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko.sign.validation.errors import SignatureValidationError
        from pyhanko.sign.validation.status import (
            ModificationLevel,
            SignatureCoverageLevel,
        )
        from pyhanko_certvalidator import ValidationContext

        _key, _cert, ca_file = keys.signing_files()
        try:
            reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
            signatures = reader.embedded_signatures
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            log.info("unreadable PDF: %s", exc)
            return _absent("文件无法解析")
        if not signatures:
            return _absent("文件不含数字签名")
        # The document's own signature is the first one; later ones (someone
        # else signing a copy) would be changes after our signature anyway.
        embedded = signatures[0]
        context = ValidationContext(
            trust_roots=[load_cert_from_pemder(str(ca_file))], allow_fetching=False
        )
        try:
            status = validate_pdf_signature(embedded, context)
        except (SignatureValidationError, PdfError, ValueError) as exc:
            log.info("signature validation failed: %s", exc)
            return SignatureCheck(
                True, False, False, False, False, problem="签名数据损坏"
            )
        whole = (
            status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            and status.modification_level in (None, ModificationLevel.NONE)
            and len(signatures) == 1
        )
        problem = ""
        if not status.intact:
            problem = "签名后的内容已被改动"
        elif not status.valid:
            problem = "签名值无效"
        elif not whole:
            problem = "签名后文件被追加修改"
        elif not status.trusted:
            problem = "签名证书不是本办文书签名证书"
        names = status.signing_cert.subject.native
        subject = "，".join(
            str(names[key])
            for key in ("organization_name", "common_name")
            if key in names
        )
        return SignatureCheck(
            present=True,
            intact=bool(status.intact),
            valid=bool(status.valid),
            trusted=bool(status.trusted),
            whole_file=whole,
            signer_name=subject,
            signed_at=status.signer_reported_dt,
            problem=problem,
        )

"""`bianzhi verify-document FILE.pdf`: offline check of a signed document.

Checks the signature against this installation's office CA and the file
against the register (sha256, serial, revocation). Prints the answer in
Chinese; exit 0 only for 真实有效, 1 for anything else (altered, unknown,
revoked, bad signature, not a PDF).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from bianzhi.core.errors import ApplicationError
from bianzhi.documents.verify import verify_pdf

MAX_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = "核验文书 PDF 的真伪（签名与登记信息）；真实有效返回 0，否则返回 1"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="待核验的 PDF 文件")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            if not path.is_file():
                self.stdout.write(f"结果：无法核验\n说明：文件不存在 {path}")
                raise SystemExit(1)
            if path.stat().st_size > MAX_BYTES:
                self.stdout.write(
                    "结果：无法核验\n说明：文件过大，不是本平台签发的文书"
                )
                raise SystemExit(1)
            result = verify_pdf(path.read_bytes())
        except ApplicationError as exc:
            self.stdout.write(f"结果：无法核验\n说明：{exc.message}")
            raise SystemExit(1) from None
        lines = [f"结果：{result.label}"]
        document = result.document
        if document is not None:
            lines += [
                f"文书：{document.title}",
                f"编号：{document.serial}",
                f"单位：{document.unit_name or '—'}",
                f"日期：{document.issued_on:%Y-%m-%d}",
            ]
        elif result.serial:
            lines.append(f"文件声称的编号：{result.serial}")
        signature = result.signature
        if signature is not None and signature.present:
            when = (
                f"{timezone.localtime(signature.signed_at):%Y-%m-%d %H:%M}"
                if signature.signed_at
                else "—"
            )
            lines.append(f"签名：{signature.signer_name}（{when}）")
        lines.append(f"说明：{result.detail}")
        self.stdout.write("\n".join(lines))
        if not result.genuine:
            raise SystemExit(1)

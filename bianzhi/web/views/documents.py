"""Documents: the public verification page, and the office's certificate PDFs.

/verify/ and /verify/<code>/ need no login (anyone holding a paper or a PDF
may check it); they show only what the document itself shows: kind, serial,
unit and date. The office pages are scoped like the unit they belong to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bianzhi.accounts.access import access_unit
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.documents import services
from bianzhi.documents.models import Document, DocumentKind
from bianzhi.documents.verify import Outcome, verify_code, verify_pdf
from bianzhi.web.errors import activate_language, error_response, web_view

VERIFY_MAX_BYTES = 20 * 1024 * 1024  # a document of ours is far smaller


def public_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """web_view without the login: language and refusals handled the same way."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        activate_language(request)
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return error_response(request, exc)

    return wrapper


def _verify_page(request: HttpRequest, result=None, error: str = "") -> HttpResponse:
    return render(
        request,
        "web/documents/verify.html",
        {
            "result": result,
            "error": error,
            "outcomes": Outcome,
            "serial": request.POST.get("serial", ""),
            "code": request.POST.get("code", ""),
        },
        status=400 if error else 200,
    )


@public_view
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verify_page(request)
    upload = request.FILES.get("file")
    try:
        if upload is not None:
            if upload.size > VERIFY_MAX_BYTES:
                raise ApplicationError(
                    ErrorCode.FILE_TOO_LARGE,
                    _("不是本平台签发的文书（文件过大）"),
                    field="file",
                )
            result = verify_pdf(upload.read())
        else:
            serial = request.POST.get("serial", "").strip()
            code = request.POST.get("code", "").strip()
            if not serial or not code:
                raise ApplicationError(
                    ErrorCode.FIELD_REQUIRED,
                    _("请上传 PDF 文件，或填写文书编号和验证码"),
                )
            result = verify_code(serial, code)
    except ApplicationError as exc:
        return _verify_page(request, error=exc.message)
    return _verify_page(request, result)


@public_view
@require_http_methods(["GET"])
def verify_by_code(request: HttpRequest, code: str) -> HttpResponse:
    """The QR code's target: the register's answer for the code alone."""
    return _verify_page(request, verify_code("", code))


@web_view
@require_http_methods(["GET", "POST"])
def unit_documents(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The certificates issued for a unit; the office issues a new one here."""
    if request.method == "POST":
        unit, actor = access_unit(request.user, unit_id, Permission.MANAGE_ORGS)
        as_of = _date(request.POST.get("as_of", ""))
        document = services.certificate_issue(
            actor=actor,
            unit=unit,
            as_of=as_of,
            base_url=request.build_absolute_uri("/"),
        )
        messages.success(
            request,
            _("已签发%(title)s %(serial)s")
            % {"title": document.title, "serial": document.serial},
        )
        return redirect("web:unit_documents", unit_id=unit.pk)
    unit, _actor = access_unit(request.user, unit_id, Permission.VIEW_ORGS)
    documents = Document.objects.filter(unit=unit).order_by("-issued_at", "-id")
    try:
        access_unit(request.user, unit_id, Permission.MANAGE_ORGS)
        may_issue = True
    except ApplicationError:
        may_issue = False
    return render(
        request,
        "web/documents/unit_documents.html",
        {
            "unit": unit,
            "documents": documents,
            "may_issue": may_issue,
            "certificate_kind": DocumentKind.CERTIFICATE,
        },
    )


def _date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApplicationError(ErrorCode.DATE_INVALID, value, field="as_of") from None


def _document(request: HttpRequest, document_id: int, permission: str) -> tuple:
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.unit_id is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    _unit, actor = access_unit(request.user, document.unit_id, permission)
    return document, actor


@web_view
@require_http_methods(["GET"])
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    document, _actor = _document(request, document_id, Permission.VIEW_ORGS)
    path = services.document_path(document)
    if not path.is_file():
        raise ApplicationError(ErrorCode.FILE_UNREADABLE, _("文书文件缺失"))
    return FileResponse(
        open(path, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=f"{document.serial}.pdf",
        content_type="application/pdf",
    )


@web_view
@require_POST
def document_revoke(request: HttpRequest, document_id: int) -> HttpResponse:
    document, actor = _document(request, document_id, Permission.MANAGE_ORGS)
    services.document_revoke(
        actor=actor, document_id=document.pk, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("已作废 %(serial)s") % {"serial": document.serial})
    return redirect("web:unit_documents", unit_id=document.unit_id)

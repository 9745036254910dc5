"""ApplicationError → JSON with the stable code and the Chinese message.

DRF's own refusals that concern the request's content get the same shape so
a client handles one format: an unparseable body is VALUE_INVALID (400) and a
DRF "not found" is OUT_OF_SCOPE (404, as for any object outside the scope).
Authentication and method errors keep DRF's answer ({"detail": ...}).
"""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from bianzhi.core.errors import ApplicationError, ErrorCode


def _translate(exc):
    if isinstance(exc, exceptions.ParseError):
        return ApplicationError(ErrorCode.VALUE_INVALID, "请求体不是有效的 JSON")
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return exc


def exception_handler(exc, context):
    exc = _translate(exc)
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.http_status)
    return drf_exception_handler(exc, context)

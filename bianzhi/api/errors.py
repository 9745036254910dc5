"""ApplicationError → JSON with the stable code and the Chinese message."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from bianzhi.core.errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.http_status)
    return drf_exception_handler(exc, context)

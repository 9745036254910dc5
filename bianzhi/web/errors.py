"""ApplicationError → the page a user should see.

Every web view goes through `web_view`: it requires a login, pins the UI
language, and turns a refusal from the access layer or a service into a 404
page (outside the user's scope: nothing is revealed), a 403 page that says
why (in scope, role may not act), or a 400 page with the code and message.
Forms catch their own service errors to re-render inline (views/office.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from bianzhi.core.errors import ApplicationError


def activate_language(request: HttpRequest) -> None:
    """zh-hans unless the user picked another language with the switch.

    The browser's Accept-Language is ignored on purpose: office machines often
    run English-language browsers, and the default UI is Simplified Chinese.
    """
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    translation.activate(language)
    request.LANGUAGE_CODE = language


def error_response(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    status = exc.http_status
    if status == 404:
        title = _("未找到")
        # Outside the scope the answer is the same as for a missing object.
        message = _("您要访问的内容不存在，或不在您的权限范围内。")
    elif status == 403:
        title = _("无权访问")
        message = exc.message
    else:
        title = _("操作未能完成")
        message = exc.message
    return render(
        request,
        "web/error.html",
        {"title": title, "message": message, "code": exc.code.value, "status": status},
        status=status,
    )


def web_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        activate_language(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return error_response(request, exc)

    return wrapper

"""Login and logout: Django's auth views with a Chinese page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from bianzhi.web.errors import activate_language

_login = auth_views.LoginView.as_view(
    template_name="registration/login.html", redirect_authenticated_user=True
)
_logout = auth_views.LogoutView.as_view()


def login(request: HttpRequest) -> HttpResponse:
    activate_language(request)
    return _login(request)


def logout(request: HttpRequest) -> HttpResponse:
    activate_language(request)
    return _logout(request)

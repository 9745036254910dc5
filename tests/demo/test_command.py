"""`bianzhi demo` refusals that need no city."""

import io

import pytest
from django.core.management import CommandError, call_command

from bianzhi.accounts.services import user_create
from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent
from bianzhi.orgs.models import Unit

pytestmark = pytest.mark.django_db


def test_taken_demo_username_refuses_before_writing():
    user_create(actor=Actor.system(), username="office", password="x-secret-1")
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="用户名已被占用：office"):
        call_command("demo", stdout=io.StringIO())
    assert not Unit.objects.exists()
    assert AuditEvent.objects.count() == before


def test_logins_on_an_empty_database_write_nothing():
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    assert "edu_hr" in out.getvalue() and "demo12345" in out.getvalue()
    assert not AuditEvent.objects.exists()


def test_negative_persons_refused():
    with pytest.raises(CommandError, match="--persons"):
        call_command("demo", "--persons", "-1", stdout=io.StringIO())

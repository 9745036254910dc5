"""The approvals test kind and its cast (tests/approvals/conftest.py), for the
web and API tests of the 审批 pages: import the fixtures into a test module."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tests.approvals.conftest import (  # noqa: F401 - fixtures
    KIND,
    SPEC,
    draft,
    state,
    test_kind,
    world,
)


def user_of(actor):
    return get_user_model().objects.get(pk=actor.user_id)


def login(client, actor):
    client.force_login(user_of(actor))
    return client

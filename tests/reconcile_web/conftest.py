"""Fixtures of the 数据比对 page tests: the API cast (city 990100 with its
office, unit HR …), a media root per test and the ImmediateBackend, so the
background job runs inside the upload request."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from bianzhi.reconcile.models import ReconcileRun
from tests.api.conftest import cast, world  # noqa: F401
from tests.reconcile.files import dataset

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.TASKS = IMMEDIATE
    return root


@pytest.fixture
def login():
    def as_user(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return as_user


def upload(client: Client, month: str = "2026-10", **files: Path):
    """POST the new-run form with the given files (field name → path)."""
    handles = {field: path.open("rb") for field, path in files.items()}
    try:
        return client.post("/reconcile/new/", {"month": month, **handles}, follow=True)
    finally:
        for handle in handles.values():
            handle.close()


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    directory = tmp_path / "in"
    directory.mkdir()
    return dataset(directory)


@pytest.fixture
def office_run(cast, immediate, files, login) -> ReconcileRun:  # noqa: F811
    client = login(cast.office_admin)
    response = upload(client, **files)
    assert response.status_code == 200
    return ReconcileRun.objects.get()

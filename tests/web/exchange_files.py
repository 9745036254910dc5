"""Shared helpers of the exchange page tests: roster files, media root, backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.exchange.files import ROSTER, make_id, person_row, write_xlsx

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def roster_file(path: Path, rows: list[dict]) -> Path:
    keys = list(ROSTER.keys)
    lines = [list(ROSTER.headers)] + [[row.get(k) for k in keys] for row in rows]
    return write_xlsx(path, lines)


def good_rows(count: int = 3, unit: str = "示例市教育局") -> list[dict]:
    return [person_row(n, unit_name=unit) for n in range(1, count + 1)]


def bad_id(n: int = 2) -> str:
    """A well-formed ID number with a wrong check digit."""
    good = person_row(n)["id_number"]
    last = "0" if good[-1] != "0" else "1"
    return good[:-1] + last


@pytest.fixture
def media(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def immediate(settings, media):
    """Jobs run inside the request (django-tasks ImmediateBackend)."""
    settings.TASKS = IMMEDIATE
    return settings


def upload(client, path: Path, **fields):
    data = {"kind": "roster", "mode": "commit", **fields}
    with path.open("rb") as handle:
        data["file"] = handle
        return client.post("/imports/", data)


__all__ = [
    "DATABASE",
    "IMMEDIATE",
    "XLSX",
    "bad_id",
    "good_rows",
    "immediate",
    "make_id",
    "media",
    "person_row",
    "roster_file",
    "upload",
]

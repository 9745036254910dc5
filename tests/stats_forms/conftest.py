import pytest

from tests.roster.helpers import city, providers, units  # noqa: F401

from .world import build


@pytest.fixture
def world(city, units):  # noqa: F811
    return build(city, units)

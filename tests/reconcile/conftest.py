"""Fixtures shared with other areas: the roster cast (city, units) and the
API cast (world, cast, as_user)."""

from tests.api.conftest import as_user, cast, world  # noqa: F401
from tests.roster.helpers import city, providers, units  # noqa: F401

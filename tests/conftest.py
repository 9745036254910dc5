import pytest


@pytest.fixture(scope="session", autouse=True)
def _keys():
    """Tests use their own key directory (settings.test.KEY_DIR)."""
    from bianzhi.core.keys import ensure_keys

    ensure_keys()

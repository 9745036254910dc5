"""Who is acting and from where, for the audit trail.

Services take the actor explicitly; the client address comes from the request
(set by the middleware) or stays empty for CLI and background work.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

_client_addr: contextvars.ContextVar[str] = contextvars.ContextVar(
    "client_addr", default=""
)


def client_addr() -> str:
    return _client_addr.get()


@contextmanager
def acting_from(addr: str):
    token = _client_addr.set(addr or "")
    try:
        yield
    finally:
        _client_addr.reset(token)

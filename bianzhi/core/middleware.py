from .context import _client_addr


class ClientAddressMiddleware:
    """Record the client address for audit events written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_addr.set(request.META.get("REMOTE_ADDR", ""))
        try:
            return self.get_response(request)
        finally:
            _client_addr.reset(token)

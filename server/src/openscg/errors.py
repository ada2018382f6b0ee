"""Domain errors. Raised by stores, protocol and features; mapped once to HTTP statuses (app.py) and to
WebSocket close codes (live/)."""

from __future__ import annotations


class OpenSCGError(Exception):
    """Base of every error a client is told about. `status` is the HTTP status, `close_code` the WS close."""

    status = 500
    close_code = 1011

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unauthorized(OpenSCGError):
    status, close_code = 401, 4401


class Forbidden(OpenSCGError):
    status, close_code = 403, 4401


class SessionNotFound(OpenSCGError):
    status, close_code = 404, 4404

    def __init__(self, detail: str = "no such session") -> None:
        super().__init__(detail)


class SessionGone(OpenSCGError):
    """The session has ended (for capture) or was deleted."""

    status, close_code = 409, 4410


class Conflict(OpenSCGError):
    status, close_code = 409, 4400


class PayloadTooLarge(OpenSCGError):
    status, close_code = 413, 4413


class InvalidInput(OpenSCGError):
    status, close_code = 422, 4400


class RateLimited(OpenSCGError):
    status, close_code = 429, 4429

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class StorageUnavailable(OpenSCGError):
    """The database did not accept a write or a read; nothing was acknowledged."""

    status, close_code = 503, 1011


class ServiceBusy(OpenSCGError):
    """A capacity limit of this server (not of the client) was reached; try again later."""

    status, close_code = 503, 1013

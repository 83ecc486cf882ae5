"""The one JSON error format every service answers with, and the API errors handlers raise.

    {"error": {"code": "sold_out", "message": "zone ... has no seats left", "details": {...}, "request_id": "..."}}

``code`` is stable and machine-readable; ``message`` is for people; ``details`` is optional structured context.
HTTP concerns stay at the edge: domain layers raise their own errors and handlers translate them to ``ApiError``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "ServiceUnavailable",
    "Unauthorized",
    "UnprocessableEntity",
    "error_body",
]


def error_body(code: str, message: str, request_id: str | None = None, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    if request_id is not None:
        error["request_id"] = request_id
    return {"error": error}


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a human message."""

    status_code: int = 400
    default_code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details

    def with_status(self, status_code: int) -> ApiError:
        """For the rare status without its own class (413, 415): set it on this instance."""
        self.status_code = status_code
        return self


class BadRequest(ApiError):
    status_code = 400
    default_code = "bad_request"


class Unauthorized(ApiError):
    status_code = 401
    default_code = "unauthorized"


class Forbidden(ApiError):
    status_code = 403
    default_code = "forbidden"


class NotFound(ApiError):
    status_code = 404
    default_code = "not_found"


class Conflict(ApiError):
    status_code = 409
    default_code = "conflict"


class UnprocessableEntity(ApiError):
    status_code = 422
    default_code = "validation_error"


class ServiceUnavailable(ApiError):
    status_code = 503
    default_code = "service_unavailable"

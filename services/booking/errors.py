"""The one place engine refusals (and an unreachable Redis) become HTTP errors."""

from __future__ import annotations

from redis.exceptions import RedisError

from engine import (
    EngineError,
    IdempotencyConflict,
    InvalidQuantity,
    LimitExceeded,
    SaleClosed,
    SoldOut,
    ZoneInactive,
    ZoneNotFound,
)
from services.shared.errors import ApiError, Conflict, NotFound, ServiceUnavailable, UnprocessableEntity

__all__ = ["inventory_error"]


def inventory_error(exc: Exception) -> ApiError:
    """HTTP error for an engine refusal of a reservation. Codes are the engine's own reasons where one exists:
    sold_out / insufficient_seats / limit_exceeded / sale_not_started / sale_ended (409), sale_closed (409, zone
    inactive), invalid_quantity (422), zone_not_found (404), idempotency_key_reused (422)."""
    if isinstance(exc, SoldOut):  # InsufficientSeats too: fewer seats left than asked for
        return Conflict(f"not enough seats left ({exc.reason})", code=exc.reason)
    if isinstance(exc, LimitExceeded):
        return Conflict("this order would exceed the event's ticket limit per user", code="limit_exceeded")
    if isinstance(exc, SaleClosed):  # SaleNotStarted / SaleEnded
        return Conflict(f"the sale is not open ({exc.reason})", code=exc.reason)
    if isinstance(exc, ZoneInactive):
        return Conflict("sales for this zone are closed", code="sale_closed")
    if isinstance(exc, InvalidQuantity):
        return UnprocessableEntity("quantity is outside the zone's per-order bounds", code="invalid_quantity")
    if isinstance(exc, ZoneNotFound):
        return NotFound("no such zone on sale for this show", code="zone_not_found")
    if isinstance(exc, IdempotencyConflict):
        return UnprocessableEntity(
            "this Idempotency-Key was already used with a different request", code="idempotency_key_reused"
        )
    if isinstance(exc, RedisError):
        return ServiceUnavailable("the inventory store is unavailable; retry shortly", code="inventory_unavailable")
    if isinstance(exc, EngineError):
        return ServiceUnavailable(f"the reservation could not be made ({exc.reason}); retry", code="inventory_error")
    raise TypeError(f"not an inventory error: {exc!r}")

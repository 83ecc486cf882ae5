"""POST /api/v1/bookings/{id}/cancel: the owner gives a reserved or paid booking back.

The row is locked for the whole transaction and the engine call happens inside it, so a cancel and the payment
consumer's confirm of the same booking are serialised: whichever runs second sees the other's outcome.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from redis.exceptions import RedisError

from engine import HoldAlreadyReleased, HoldExpired, HoldNotFound, InventoryEngine
from services.booking import store
from services.booking.errors import inventory_error
from services.booking.events import BOOKING_CANCELLED, booking_envelope, emit
from services.booking.expiry import expire_bookings
from services.booking.store import Row
from services.shared.errors import Conflict, Forbidden, NotFound
from services.shared.tokens import Principal

__all__ = ["can_read", "cancel_booking"]

CANCELLABLE = ("reserved", "confirmed")


def can_read(row: Row, principal: Principal) -> bool:
    """Owner, or organizer/admin of the booking's tenant. Everyone else must not learn the booking exists."""
    if str(row["user_id"]) == principal.user_id:
        return True
    return principal.is_staff and str(row["tenant_id"]) == principal.tenant_id


async def cancel_booking(pool: asyncpg.Pool, engine: InventoryEngine, principal: Principal, booking_id: str) -> Row:
    expired = False
    async with store.transaction(pool) as conn:
        row = await store.lock(conn, booking_id)
        if row is None or not can_read(row, principal):
            raise NotFound("no such booking", code="booking_not_found")
        if str(row["user_id"]) != principal.user_id:
            raise Forbidden("only the customer who booked can cancel", code="not_booking_owner")
        previous = str(row["status"])
        if previous not in CANCELLABLE:
            raise _not_cancellable(previous)
        try:
            # A confirmed hold is released with reason "cancelled" too: the engine moves its seats back from sold.
            await engine.release(str(row["event_id"]), booking_id, "cancelled")
        except (HoldAlreadyReleased, HoldNotFound):
            pass  # already given back (an earlier cancel whose commit failed): finish the job
        except HoldExpired:
            expired = bool(await expire_bookings(conn, [booking_id]))
        except RedisError as exc:
            raise inventory_error(exc) from None
        if not expired:
            now = datetime.now(UTC)
            row = await store.update_status(
                conn, booking_id, "cancelled", status_reason="cancelled_by_user", cancelled_at=now,
                cancelled_by=principal.user_id,
            )  # fmt: skip
            await emit(conn, booking_envelope(BOOKING_CANCELLED, row, previous_status=previous))
    if expired:  # raised after the commit: the expiry itself must stick
        raise _not_cancellable("expired")
    return row


def _not_cancellable(status: str) -> Conflict:
    return Conflict(
        f"a booking that is {status} cannot be cancelled", code="booking_not_cancellable", details={"status": status}
    )

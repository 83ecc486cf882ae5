"""booking-saga: payment outcomes from ``payment.transactions`` drive bookings to confirmed or cancelled.

The generic runner (sync.consumer) dedupes by event id in ``processed_events`` and calls these handlers inside
its transaction. They must ALSO be safe to re-run (a transaction that failed after the engine call is retried):
the row is locked and re-read, and the engine answers a repeat with "already confirmed (same payment)" /
"already released", which mean "done".

A payment that arrives after the hold expired never sells: the engine refuses the confirm (and gives the seats
back if its sweep had not yet), the booking becomes 'expired' and booking.expired names the payment, so
payment-service refunds it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg

from engine import (
    HoldAlreadyConfirmed,
    HoldAlreadyReleased,
    HoldExpired,
    HoldNotFound,
    InventoryEngine,
    connect,
)
from services.booking import store
from services.booking.events import BOOKING_CANCELLED, BOOKING_CONFIRMED, booking_envelope, emit
from services.booking.expiry import expire_bookings
from services.booking.settings import Settings
from services.shared.consuming import ConsumerDefinition, EventHandler
from services.shared.db import create_pool
from services.shared.envelope import EventEnvelope
from services.shared.topics import PAYMENT_TRANSACTIONS

__all__ = ["CONSUMER_NAME", "PaymentSaga", "open_consumer"]

CONSUMER_NAME = "booking-saga"
log = logging.getLogger("booking.consumer")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _uuid(value: object) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


class PaymentSaga:
    def __init__(self, engine: InventoryEngine, clock: Callable[[], int] = _now_ms) -> None:
        self._engine = engine
        self._clock = clock  # epoch-ms; tests move time

    @property
    def handlers(self) -> dict[str, EventHandler]:
        return {"payment.completed": self.on_completed, "payment.failed": self.on_failed}

    async def _reserved_row(self, conn: asyncpg.Connection, envelope: EventEnvelope) -> store.Row | None:
        """The locked booking if it is still 'reserved', else None (logged). Malformed events are logged and
        acknowledged: retrying them can never succeed."""
        booking_id = _uuid(envelope.data.get("booking_id"))
        if booking_id is None:
            log.error("%s %s has no valid booking_id; ignored", envelope.type, envelope.id)
            return None
        row = await store.lock(conn, booking_id)
        if row is None:
            log.error("%s %s names unknown booking %s; ignored", envelope.type, envelope.id, booking_id)
            return None
        if row["status"] != "reserved":
            log.info("%s for booking %s which is %s: nothing to do", envelope.type, booking_id, row["status"])
            return None
        return row

    async def on_completed(self, conn: asyncpg.Connection, envelope: EventEnvelope) -> None:
        payment_id = _uuid(envelope.data.get("payment_id"))
        if payment_id is None:
            log.error("payment.completed %s has no valid payment_id; ignored", envelope.id)
            return
        row = await self._reserved_row(conn, envelope)
        if row is None:
            return
        booking_id, now = str(row["id"]), self._clock()
        try:
            await self._engine.confirm(str(row["event_id"]), booking_id, payment_id, now)
        except HoldExpired:
            log.warning(
                "payment %s arrived after booking %s expired: not sold, refund expected", payment_id, booking_id
            )
            await expire_bookings(conn, [booking_id], reason="payment_after_expiry", payment_id=payment_id)
            return
        except (HoldAlreadyReleased, HoldNotFound, HoldAlreadyConfirmed) as exc:
            # The row says reserved but the engine disagrees: never sell on a guess; the reconciler settles it.
            log.error("booking %s: engine refused confirm with payment %s (%s)", booking_id, payment_id, exc.reason)
            return
        confirmed = await store.update_status(
            conn, booking_id, "confirmed", payment_id=payment_id, confirmed_at=datetime.fromtimestamp(now / 1000, UTC)
        )
        await emit(conn, booking_envelope(BOOKING_CONFIRMED, confirmed, previous_status="reserved"))

    async def on_failed(self, conn: asyncpg.Connection, envelope: EventEnvelope) -> None:
        row = await self._reserved_row(conn, envelope)
        if row is None:
            return
        booking_id, now = str(row["id"]), self._clock()
        try:
            await self._engine.release(str(row["event_id"]), booking_id, "payment_failed", now)
        except (HoldAlreadyReleased, HoldNotFound):
            pass  # seats already back (a retried transaction): finish the job
        except HoldExpired:
            await expire_bookings(conn, [booking_id])
            return
        except HoldAlreadyConfirmed:
            log.error("payment.failed %s for booking %s whose hold is confirmed: ignored", envelope.id, booking_id)
            return
        reason = str(envelope.data.get("error_code") or "payment_failed")[:200]
        cancelled = await store.update_status(
            conn, booking_id, "cancelled", status_reason=reason, cancelled_at=datetime.fromtimestamp(now / 1000, UTC)
        )
        await emit(conn, booking_envelope(BOOKING_CANCELLED, cancelled, previous_status="reserved"))


@asynccontextmanager
async def open_consumer(environ: Mapping[str, str]) -> AsyncIterator[ConsumerDefinition]:
    """What the generic runner needs to run booking-saga; opens and closes its own pool and Redis client."""
    settings = Settings.from_env(environ, require_jwt=False)
    pool = await create_pool(settings.database_dsn.reveal(), min_size=1, max_size=settings.db_pool_max)
    redis = connect(settings.redis_url.reveal(), max_connections=settings.redis_max_connections)
    try:
        engine = InventoryEngine(redis, key_prefix=settings.engine_key_prefix)
        saga = PaymentSaga(engine)
        yield ConsumerDefinition(name=CONSUMER_NAME, topics=(PAYMENT_TRANSACTIONS,), pool=pool, handlers=saga.handlers)
    finally:
        await redis.aclose()
        await pool.close()

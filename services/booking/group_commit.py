"""Group commit: concurrent reservations in one process share one PostgreSQL transaction.

Same shape as the engine's micro-batcher, with no timer: the first booking after an idle spell is written on the
next event-loop tick (a lone request pays no added latency); bookings that arrive while a transaction is in flight
queue up and are committed together by the next one (at most ``max_batch``). Under a flash-sale spike the batch
grows by itself to match the commit latency, so one fsync covers hundreds of bookings.

Each transaction inserts the batch's bookings with one ``INSERT ... SELECT FROM unnest(...)`` and their
``booking.reserved`` outbox rows with one ``executemany`` — the outbox rows commit with the bookings or not at all.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from services.booking import store
from services.booking.events import BOOKING_RESERVED, booking_envelope, emit_many
from services.booking.store import NewBooking, Row

__all__ = ["GroupCommitStats", "GroupCommitWriter"]


@dataclass(slots=True)
class GroupCommitStats:
    """Observable counters (tests use them to prove coalescing)."""

    submitted: int = 0
    transactions: int = 0
    largest: int = 0
    failed_transactions: int = 0


class GroupCommitWriter:
    def __init__(self, pool: asyncpg.Pool, max_batch: int = 256) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be >= 1")
        self._pool = pool
        self._max_batch = max_batch
        self._queue: list[tuple[NewBooking, asyncio.Future[Row | None]]] = []
        self._runner: asyncio.Task[None] | None = None
        self.stats = GroupCommitStats()

    async def submit(self, booking: NewBooking) -> Row | None:
        """Commit ``booking`` and its booking.reserved event. Returns the stored row, or None when a booking with
        the same idempotency key already exists (nothing was written). Raises if the transaction failed."""
        future: asyncio.Future[Row | None] = asyncio.get_running_loop().create_future()
        self._queue.append((booking, future))
        self.stats.submitted += 1
        if self._runner is None:
            self._runner = asyncio.create_task(self._drain())
        # shield: a caller that gives up must not cancel the transaction other callers are waiting on.
        return await asyncio.shield(future)

    async def close(self) -> None:
        """Wait for queued bookings to be written (lifespan shutdown)."""
        while self._runner is not None:
            await asyncio.shield(self._runner)

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                self.stats.transactions += 1
                self.stats.largest = max(self.stats.largest, len(batch))
                await self._commit(batch)
        finally:
            self._runner = None

    async def _commit(self, batch: list[tuple[NewBooking, asyncio.Future[Row | None]]]) -> None:
        try:
            async with store.transaction(self._pool) as conn:
                inserted = await store.insert_many(conn, [booking for booking, _ in batch])
                await emit_many(
                    conn, [booking_envelope(BOOKING_RESERVED, row, previous_status=None) for row in inserted]
                )
        except Exception as exc:  # the whole transaction failed: every caller in it sees the error
            self.stats.failed_transactions += 1
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        by_id = {str(row["id"]): row for row in inserted}
        for booking, future in batch:
            if not future.done():
                future.set_result(by_id.get(booking.id))

"""The hold-expiry worker: sweeps due holds out of Redis and records them as expired bookings.

Each sweep asks the engine, event by event, for up to ``batch_size`` holds whose deadline has passed
(``expire_due`` pops them and returns their seats atomically, so two workers never get the same hold), then marks
those bookings ``expired`` with a ``booking.expired`` outbox row in one booking_db transaction. A hold that was
confirmed or cancelled first is no longer in the engine's expiry index, so it is never returned here; and
``mark_expired`` only touches rows still ``reserved``, so a booking is never expired twice.

A crash between the Redis pop and the PostgreSQL commit leaves seats correctly back in the pool but the booking
still ``reserved``; the catch-up pass finds such rows (deadline well past, still reserved) and finishes them from
the engine's answer for that hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

from engine import EngineError, ExpiredHold, HoldExpired, HoldNotFound, InventoryEngine
from services.booking.expiry import expire_bookings, mark_expired
from services.shared.db import acquire

__all__ = ["ExpiryMetrics", "ExpiryWorker", "SweepResult"]

log = logging.getLogger("sync.expiry")

_STRANDED = """
SELECT id::text AS id, event_id::text AS event_id FROM bookings
WHERE status = 'reserved' AND reservation_expires_at < NOW() - make_interval(secs => $1)
ORDER BY reservation_expires_at LIMIT $2
"""


class ExpiryMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = REGISTRY if registry is None else registry
        self.expired = Counter(
            "holds_expired_total", "Holds returned to the pool by the expiry worker", registry=registry
        )
        self.lateness = Histogram(
            "hold_expiry_lateness_seconds",
            "Time from a hold's deadline to its booking being marked expired",
            buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
            registry=registry,
        )
        self.sweeps = Counter("expiry_sweeps_total", "Expiry sweeps run", registry=registry)
        self.stranded = Counter(
            "expiry_stranded_repaired_total", "Reserved bookings finished by catch-up", registry=registry
        )


@dataclass(frozen=True, slots=True)
class SweepResult:
    expired: int
    lateness_s: tuple[float, ...]


class ExpiryWorker:
    def __init__(
        self,
        engine: InventoryEngine,
        pool: asyncpg.Pool,
        *,
        batch_size: int = 500,
        interval_s: float = 0.25,
        catch_up_every_s: float = 30.0,
        catch_up_grace_s: float = 10.0,
        metrics: ExpiryMetrics | None = None,
    ) -> None:
        self._engine = engine
        self._pool = pool
        self._batch = batch_size
        self._interval = interval_s
        self._catch_up_every = catch_up_every_s
        self._catch_up_grace = catch_up_grace_s
        self._metrics = metrics

    async def sweep(self, now_ms: int | None = None) -> SweepResult:
        """One pass over every live event; drains each event's due holds in batches."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        lateness: list[float] = []
        for event_id in await self._engine.live_events():
            while True:
                holds = await self._engine.expire_due(event_id, now_ms, self._batch)
                if holds:
                    lateness += await self._record(holds)
                if len(holds) < self._batch:
                    break
        if self._metrics:
            self._metrics.sweeps.inc()
        return SweepResult(len(lateness), tuple(lateness))

    async def _record(self, holds: list[ExpiredHold]) -> list[float]:
        async with acquire(self._pool) as conn, conn.transaction():
            rows = await mark_expired(conn, holds)
        now = datetime.now(UTC)
        lateness = [
            max(0.0, (now - row["reservation_expires_at"]).total_seconds())
            for row in rows
            if row["reservation_expires_at"] is not None
        ]
        if self._metrics:
            self._metrics.expired.inc(len(rows))
            for value in lateness:
                self._metrics.lateness.observe(value)
        return lateness

    async def catch_up(self, limit: int = 500) -> int:
        """Finish bookings left 'reserved' after their hold already left the pool (a crash mid-sweep)."""
        async with acquire(self._pool) as conn:
            rows = await conn.fetch(_STRANDED, self._catch_up_grace, limit)
        finished: list[str] = []
        now_ms = int(time.time() * 1000)
        for row in rows:
            await self._engine.expire_due(row["event_id"], now_ms, self._batch)  # anything still due goes now
            try:
                # Ask the engine for the hold's fate by releasing it with reason "payment_failed": the engine
                # refuses that reason for a CONFIRMED hold (HoldAlreadyConfirmed: the booking consumer is merely
                # behind, leave it), answers HoldExpired for one already swept, and (for a reserved hold still
                # held, which cannot exist after the expire_due call above) returns its seats exactly once.
                await self._engine.release(row["event_id"], row["id"], "payment_failed", now_ms=now_ms)
            except (HoldExpired, HoldNotFound):
                finished.append(row["id"])
            except EngineError as exc:
                log.warning(
                    "stranded booking left as is", extra={"fields": {"booking_id": row["id"], "code": exc.reason}}
                )
                continue
            else:
                finished.append(row["id"])
        if finished:
            async with acquire(self._pool) as conn, conn.transaction():
                await expire_bookings(conn, finished, reason="hold_expired")
            if self._metrics:
                self._metrics.stranded.inc(len(finished))
        return len(finished)

    async def run(self, stop: asyncio.Event) -> None:
        last_catch_up = 0.0
        while not stop.is_set():
            started = time.monotonic()
            try:
                result = await self.sweep()
                if result.expired:
                    log.info("holds expired", extra={"fields": {"count": result.expired}})
                if started - last_catch_up >= self._catch_up_every:
                    last_catch_up = started
                    repaired = await self.catch_up()
                    if repaired:
                        log.warning("stranded reserved bookings expired", extra={"fields": {"count": repaired}})
            except (OSError, asyncpg.PostgresError, EngineError) as exc:
                log.error("expiry sweep failed; retrying", extra={"fields": {"error": repr(exc)}})
            elapsed = time.monotonic() - started
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, self._interval - elapsed))

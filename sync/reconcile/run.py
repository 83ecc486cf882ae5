"""One reconcile run over every live sale: bulk reads, a cheap check per event, verification where it differs.

Phase 1 reads ticket_db and booking_db once each (GROUP BY zone) and then audits Redis event by event (a bounded
number at a time, one round trip each). booking_db was read first there, so whatever Redis did since looks like
"Redis is ahead" and is tolerated. Only events that still look wrong go to phase 2 (``Verifier``), which re-reads
that event in the strict order (Redis, then booking_db) and is what the report states and --apply repairs.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from engine import InventoryEngine
from sync.reconcile.analyze import analyze
from sync.reconcile.findings import Finding, Kind
from sync.reconcile.progress import Progress
from sync.reconcile.repair import Verifier
from sync.reconcile.sources import BookingState, BulkBookings, TicketZone, load_bulk_bookings, load_ticket_zones

__all__ = ["RunResult", "reconcile", "ticket_findings"]


@dataclass(slots=True)
class RunResult:
    events: int = 0
    zones: int = 0
    verified_events: int = 0
    in_flight: int = 0
    unsettled_events: int = 0
    findings: list[Finding] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def drift(self) -> bool:
        return any(not f.soft for f in self.findings)

    def by_kind(self, *, soft: bool) -> dict[str, int]:
        return dict(Counter(str(f.kind) for f in self.findings if f.soft == soft))

    def repaired_by_kind(self) -> dict[str, int]:
        return dict(Counter(str(f.kind) for f in self.findings if f.repaired))


def ticket_findings(zones: Sequence[TicketZone], bulk: BulkBookings, lag_grace_s: float) -> list[Finding]:
    """ticket_db's counts against booking_db's. ticket_db follows booking_db through the outbox and Kafka, so a
    difference while booking events of the zone are unpublished or recent is lag (soft), not drift."""
    out: list[Finding] = []
    for z in zones:
        b = bulk.zones.get(z.zone_id)
        reserved, sold = (b.reserved_all, b.sold) if b else (0, 0)
        expected = {"available": z.total - reserved - sold, "reserved": reserved, "sold": sold}
        actual = {"available": z.available, "reserved": z.reserved, "sold": z.sold}
        if actual == expected:
            continue
        pending = bulk.outbox_pending.get(z.zone_id, 0)
        recent = b is not None and b.last_change_age_s < lag_grace_s
        kind = Kind.TICKET_DB_LAG if pending or recent else Kind.TICKET_DB_MISMATCH
        details = {"ticket_db": actual, "booking_db": expected, "outbox_pending": pending}
        out.append(Finding(kind, z.event_id, z.zone_id, details=details))
    return out


async def reconcile(
    engine: InventoryEngine,
    ticket_pool: asyncpg.Pool,
    booking_pool: asyncpg.Pool,
    *,
    apply: bool,
    grace_s: float = 30.0,
    ticket_lag_grace_s: float = 60.0,
    concurrency: int = 16,
    progress: Progress | None = None,
) -> RunResult:
    started = time.monotonic()
    result = RunResult()
    progress = progress or Progress("reconcile")
    now_ms = int(time.time() * 1000)
    sales, bulk = await asyncio.gather(load_ticket_zones(ticket_pool), load_bulk_bookings(booking_pool, now_ms))
    result.events = len(sales)
    result.zones = progress.total = sum(len(z) for z in sales.values())
    verifier = Verifier(engine, ticket_pool, booking_pool, grace_ms=int(grace_s * 1000))
    gate = asyncio.Semaphore(concurrency)

    async def one(event_id: str, zones: list[TicketZone]) -> None:
        async with gate:
            known = bulk.events.get(event_id)
            held, confirmed = (list(known.reserved), list(known.confirmed)) if known else ([], [])
            audit = await engine.audit_event(event_id, held, confirmed)
            known = known or BookingState()
            plan = analyze(
                event_id,
                zones,
                known,
                audit,
                now_ms=int(time.time() * 1000),
                grace_ms=verifier.grace_ms,
                audit_ms=now_ms,
            )
            result.in_flight += plan.in_flight
            if plan.drift:
                result.verified_events += 1
                outcome = await verifier.verify(event_id, zones, known, apply)
                result.findings += outcome.findings
                result.unsettled_events += int(outcome.gave_up)
            result.findings += ticket_findings(zones, bulk, ticket_lag_grace_s)
            progress.done += len(zones)

    await asyncio.gather(*(one(e, z) for e, z in sales.items()))
    result.duration_s = time.monotonic() - started
    return result

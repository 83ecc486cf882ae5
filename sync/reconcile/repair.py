"""Verify (and with --apply repair) one event, safely while its sale is live.

Each round reads Redis FIRST (one atomic audit), then booking_db: every booking_db change follows its Redis
change, so anything booking_db shows is either already visible in the audit or was booked after it (ignored this
round). Hold repairs (withdraw orphans, restore lost holds) never move seats; the counters are then written by
one compare-and-set per zone against the counters the audit saw, so a reservation, confirm or expiry that ran in
between makes the write fail and the round is simply repeated. No lock, no pause of the sale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from engine import CountersChanged, HoldNotFound, InventoryEngine
from sync.rebuild import load_live_bookings, load_sales, rebuild_event, restore_booking
from sync.reconcile.analyze import EventPlan, analyze
from sync.reconcile.findings import REPAIRS, Finding
from sync.reconcile.sources import BookingState, TicketZone, load_booking_rows, load_event_bookings

__all__ = ["Outcome", "Verifier"]

log = logging.getLogger("sync.reconcile")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass(slots=True)
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    in_flight: int = 0
    repaired: bool = False
    gave_up: bool = False


def _needs_action(plan: EventPlan, zone_count: int) -> bool:
    whole_sale_missing = bool(plan.missing_zones) and len(plan.missing_zones) == zone_count
    counters = any(plan.current[z] != t for z, t in plan.targets.items() if z not in plan.uncertain_zones)
    return plan.hold_repairs or whole_sale_missing or counters


@dataclass(slots=True)
class Verifier:
    engine: InventoryEngine
    ticket_pool: asyncpg.Pool
    booking_pool: asyncpg.Pool
    grace_ms: int = 30_000
    max_rounds: int = 12

    async def verify(
        self, event_id: str, zones: Sequence[TicketZone], known: BookingState | None, apply: bool
    ) -> Outcome:
        held = list(known.reserved) if known else []
        confirmed = list(known.confirmed) if known else []
        first: EventPlan | None = None
        for attempt in range(self.max_rounds):
            if attempt:
                await asyncio.sleep(min(0.01 * 2**attempt, 0.5))
            audit_ms = _now_ms()
            audit = await self.engine.audit_event(event_id, held, confirmed)
            lookup = [h for h in audit.indexed if _uuid(h)]
            booking = await load_event_bookings(self.booking_pool, event_id, lookup)
            plan = analyze(
                event_id,
                zones,
                booking,
                audit,
                now_ms=_now_ms(),
                grace_ms=self.grace_ms,
                audit_ms=audit_ms,
                audited_ids={*held, *confirmed},
                statuses_known=True,
            )
            held, confirmed = list(booking.reserved), list(booking.confirmed)
            if plan.uncertain_zones:
                continue  # booking_db knows bookings the audit was not asked about: ask again with them
            if first is None:
                first = plan
            if not apply or not _needs_action(plan, len(zones)):
                return self._done(first, plan, repaired=apply)
            await self._repair(event_id, plan, len(zones))
        log.warning("event kept changing; repair left for the next run", extra={"fields": {"event_id": event_id}})
        outcome = self._done(first, first, repaired=False) if first else Outcome()
        outcome.gave_up = True
        return outcome

    @staticmethod
    def _done(first: EventPlan, last: EventPlan, *, repaired: bool) -> Outcome:
        still_missing = set(last.missing_zones)  # a partly lost sale is reported, not rebuilt under live zones
        for finding in first.findings:
            finding.repaired = repaired and finding.kind in REPAIRS and finding.zone_id not in still_missing
        return Outcome(first.findings, last.in_flight, repaired)

    async def _repair(self, event_id: str, plan: EventPlan, zone_count: int) -> None:
        now = _now_ms()
        if plan.missing_zones and len(plan.missing_zones) == zone_count:
            await self._rebuild(event_id, now)
            return
        if plan.hold_repairs:
            for hold_id in plan.drops:
                with contextlib.suppress(HoldNotFound):
                    await self.engine.drop_hold(event_id, hold_id, now)
            await self._restore(plan, now)
            return  # the next round sees the holds as they now are and sets the counters from them
        for zone_id, target in plan.targets.items():
            current = plan.current[zone_id]
            if zone_id in plan.uncertain_zones or current == target:
                continue
            try:
                await self.engine.set_zone_counters(event_id, zone_id, current, target)
            except CountersChanged:
                return  # the sale moved on since the audit: next round

    async def _restore(self, plan: EventPlan, now: int) -> None:
        wanted = {h: "reserved" for h in plan.restore_held} | {h: "confirmed" for h in plan.restore_confirmed}
        if not wanted:
            return
        for row in await load_booking_rows(self.booking_pool, list(wanted)):
            # Re-check the row: only a booking still in the state that made it missing is restored.
            if row["status"] != wanted[row["id"]] or (row["status"] == "reserved" and row["deadline_ms"] <= now):
                continue
            await restore_booking(self.engine, row, now)

    async def _rebuild(self, event_id: str, now: int) -> None:
        sales = await load_sales(self.ticket_pool, [event_id])
        if event_id in sales:
            bookings = await load_live_bookings(self.booking_pool, now, [event_id])
            await rebuild_event(self.engine, sales[event_id], bookings.get(event_id, []), now)

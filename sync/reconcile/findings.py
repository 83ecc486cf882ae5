"""What the reconciler can find: one ``Kind`` per drift, each with the likely cause and what --apply does."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["SOFT", "Finding", "Kind"]


class Kind(StrEnum):
    SALE_MISSING = "sale_missing_in_redis"
    ORPHAN_HOLD = "hold_without_booking"
    STALE_HOLD = "hold_of_finished_booking"
    HOLD_MISSING = "booking_without_hold"
    CONFIRMED_HOLD_MISSING = "confirmed_booking_without_hold"
    EXPIRED_HOLD_MISSING = "expired_booking_without_hold"
    HOLD_NOT_INDEXED = "hold_not_in_expiry_index"
    HOLD_STATE_MISMATCH = "hold_state_mismatch"
    BOOKING_NOT_FINISHED = "booking_not_finished"
    TOTAL_MISMATCH = "redis_total_mismatch"
    COUNTERS_MISMATCH = "redis_counters_mismatch"
    OVERSOLD = "zone_oversold"
    TICKET_DB_MISMATCH = "ticket_db_counts_mismatch"
    TICKET_DB_LAG = "ticket_db_lagging"


# Expected while events are in flight: reported, counted in metrics, but not drift (exit code stays 0).
SOFT = frozenset({Kind.TICKET_DB_LAG})

CAUSES: dict[Kind, str] = {
    Kind.SALE_MISSING: "Redis lost the sale's keys (restart without persistence, failover, eviction, manual delete)",
    Kind.ORPHAN_HOLD: "booking-service reserved in Redis but never stored the booking (crash or failed write)",
    Kind.STALE_HOLD: "the booking was cancelled/expired in booking_db but the engine call that frees the hold failed",
    Kind.HOLD_MISSING: "the hold record was lost from Redis while booking_db still holds the seats",
    Kind.CONFIRMED_HOLD_MISSING: "a paid hold's record was lost from Redis: a later refund would find nothing",
    Kind.EXPIRED_HOLD_MISSING: "hold lost from Redis and already past its deadline; expiry catch-up finishes it",
    Kind.HOLD_NOT_INDEXED: "a held hold is missing from the expiry index, so it would never expire",
    Kind.HOLD_STATE_MISMATCH: "booking_db and the engine disagree on a paid booking (engine call lost or undone)",
    Kind.BOOKING_NOT_FINISHED: "the engine freed the hold long ago but booking_db still says 'reserved'",
    Kind.TOTAL_MISMATCH: "capacity in Redis differs from ticket_db.total_seats",
    Kind.COUNTERS_MISMATCH: "zone counters disagree with the holds and bookings (edited outside the engine, "
    "or seats of lost holds still counted)",
    Kind.OVERSOLD: "more seats held and sold than the zone's capacity",
    Kind.TICKET_DB_MISMATCH: "ticket_db counts disagree with booking_db although no booking event is in flight "
    "(a lost or double-applied event)",
    Kind.TICKET_DB_LAG: "ticket_db is behind booking_db while booking events are still being published/consumed",
}

REPAIRS: dict[Kind, str] = {
    Kind.SALE_MISSING: "rebuild the event from ticket_db + booking_db (same as `sync rebuild` for it)",
    Kind.ORPHAN_HOLD: "withdraw the hold, then set the counters",
    Kind.STALE_HOLD: "withdraw the hold, then set the counters",
    Kind.HOLD_MISSING: "restore the hold (deadline, user, idempotency key), then set the counters",
    Kind.CONFIRMED_HOLD_MISSING: "restore the confirmed hold with its payment id",
    Kind.COUNTERS_MISMATCH: "compare-and-set the counters",
    Kind.TOTAL_MISMATCH: "compare-and-set the counters",
}


@dataclass(slots=True)
class Finding:
    kind: Kind
    event_id: str
    zone_id: str | None = None
    hold_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    repaired: bool = False

    @property
    def soft(self) -> bool:
        return self.kind in SOFT

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "severity": "soft" if self.soft else "drift",
            "event_id": self.event_id,
            "zone_id": self.zone_id,
            "hold_id": self.hold_id,
            "cause": CAUSES[self.kind],
            "repair": REPAIRS.get(self.kind, "none (report only)"),
            "repaired": self.repaired,
            "details": self.details,
        }

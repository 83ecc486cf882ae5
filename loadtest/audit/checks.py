"""The audit's verdicts: pure functions over ``Facts`` (so each rule is testable on hand-made facts)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loadtest.audit.facts import Counts, Facts

__all__ = ["Check", "booking_counts", "run_checks"]

_MAX_DETAILS = 20  # enough to start debugging; the JSON stays readable


@dataclass
class Check:
    name: str
    description: str
    problems: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "description": self.description,
            "problems": self.problems[:_MAX_DETAILS],
            "problem_count": len(self.problems),
            **({"info": self.info} if self.info else {}),
        }


def booking_counts(facts: Facts) -> dict[str, Counts]:
    """Per zone as booking_db sees it: reserved = active holds, sold = confirmed; total from ticket_db."""
    reserved: Counter[str] = Counter()
    sold: Counter[str] = Counter()
    for booking in facts.bookings:
        if booking.status == "reserved":
            reserved[booking.zone_id] += booking.quantity
        elif booking.status == "confirmed":
            sold[booking.zone_id] += booking.quantity
    counts = {}
    for zone_id in set(facts.ticket_zones) | set(reserved) | set(sold):
        total = facts.ticket_zones[zone_id].total if zone_id in facts.ticket_zones else 0
        counts[zone_id] = Counts(total, total - reserved[zone_id] - sold[zone_id], reserved[zone_id], sold[zone_id])
    return counts


def _stores(facts: Facts) -> dict[str, dict[str, Counts]]:
    return {"redis": facts.redis_zones, "ticket_db": facts.ticket_zones, "booking_db": booking_counts(facts)}


def check_capacity(facts: Facts) -> Check:
    check = Check("capacity", "seats sold (and held) never exceed a zone's capacity, in any store")
    for store, zones in _stores(facts).items():
        for zone_id, c in sorted(zones.items()):
            if min(c.available, c.reserved, c.sold) < 0 or c.sold + c.reserved > c.total:
                check.problems.append(f"{store} zone {zone_id}: {c}")
    return check


def check_counts_line_up(facts: Facts) -> Check:
    check = Check("counts_line_up", "total = available + reserved + sold in every zone of every store")
    for store, zones in _stores(facts).items():
        for zone_id, c in sorted(zones.items()):
            if c.total != c.available + c.reserved + c.sold:
                check.problems.append(f"{store} zone {zone_id}: {c}")
    for show_id, (reserved, sold, zone_reserved, zone_sold) in sorted(facts.ticket_shows.items()):
        if (reserved, sold) != (zone_reserved, zone_sold):
            check.problems.append(
                f"ticket_db show {show_id}: reserved/sold {reserved}/{sold} but its zones add up to "
                f"{zone_reserved}/{zone_sold}"
            )
    return check


def check_stores_agree(facts: Facts) -> Check:
    check = Check("stores_agree", "Redis, booking_db and ticket_db hold the same counts for every zone")
    stores = _stores(facts)
    if not facts.ticket_zones:
        check.problems.append(f"ticket_db has no zones for event {facts.event_id}")
    for zone_id in sorted(set().union(*stores.values())):
        seen = {store: zones.get(zone_id) for store, zones in stores.items()}
        if len(set(seen.values())) != 1:
            check.problems.append(f"zone {zone_id}: " + ", ".join(f"{s}={c}" for s, c in seen.items()))
    check.info = {"redis_zones": {zone_id: _counts(c) for zone_id, c in sorted(stores["redis"].items())}}
    return check


def _counts(c: Counts) -> dict[str, int]:
    return {"total": c.total, "available": c.available, "reserved": c.reserved, "sold": c.sold}


def check_payments(facts: Facts) -> Check:
    check = Check(
        "payments",
        "every confirmed booking has exactly one completed payment (its payment_id, same amount); no completed "
        "payment for a booking that is not confirmed; every booking got a payment",
    )
    by_booking: dict[str, list[Any]] = {}
    for payment in facts.payments:
        by_booking.setdefault(payment.booking_id, []).append(payment)
    for booking in facts.bookings:
        payments = by_booking.get(booking.id, [])
        completed = [p for p in payments if p.status == "completed"]
        if len(payments) > 1:
            check.problems.append(f"booking {booking.id} has {len(payments)} payments")
        if not payments:
            check.problems.append(f"booking {booking.id} ({booking.status}) has no payment")
        if booking.status == "confirmed":
            if len(completed) != 1:
                check.problems.append(f"confirmed booking {booking.id}: {len(completed)} completed payments")
            elif completed[0].id != booking.payment_id:
                check.problems.append(f"confirmed booking {booking.id}: payment_id {booking.payment_id} "
                                      f"but completed payment {completed[0].id}")  # fmt: skip
            elif Decimal(completed[0].amount) != Decimal(booking.total_amount):
                check.problems.append(f"booking {booking.id}: paid {completed[0].amount} of {booking.total_amount}")
        elif completed:
            check.problems.append(f"{booking.status} booking {booking.id} has a completed (unrefunded) payment")
    check.info = {"payment_status": dict(Counter(p.status for p in facts.payments))}
    return check


def check_released_once(facts: Facts) -> Check:
    check = Check(
        "released_once",
        "cancelled/expired bookings gave their seats back exactly once: no live hold left for them in Redis, every "
        "held/sold seat belongs to a reserved/confirmed booking, and per-user totals add up to held + sold",
    )
    status = {b.id: b.status for b in facts.bookings}
    for hold_id, state in sorted(facts.redis_anomalies.items()):
        check.problems.append(f"booking {hold_id} is {status.get(hold_id)} but its Redis hold is {state}")
    for hold_id, hold in sorted(facts.redis_indexed.items()):
        if status.get(hold_id) != "reserved":
            check.problems.append(f"Redis hold {hold_id} ({hold.state}) still in the expiry index but booking is "
                                  f"{status.get(hold_id, 'missing')}")  # fmt: skip
    held_and_sold = sum(c.reserved + c.sold for c in facts.redis_zones.values())
    if facts.redis_user_total != held_and_sold:
        check.problems.append(f"Redis per-user totals add up to {facts.redis_user_total}, zones hold {held_and_sold}")
    check.info = {"booking_status": dict(Counter(b.status for b in facts.bookings))}
    return check


def check_idempotency(facts: Facts) -> Check:
    check = Check("idempotency", "no idempotency key produced two bookings (booking_db-wide and per user + key)")
    if facts.duplicate_keys:
        check.problems.append(f"{facts.duplicate_keys} idempotency keys have more than one booking")
    if facts.duplicate_user_keys:
        check.problems.append(f"{facts.duplicate_user_keys} (user, client key) pairs have more than one booking")
    for booking in facts.bookings:
        if booking.idempotency_key is None or not booking.idempotency_key.startswith(booking.user_id + ":"):
            check.problems.append(f"booking {booking.id}: key {booking.idempotency_key!r} not scoped to its user")
    return check


def check_outbox(facts: Facts) -> Check:
    check = Check("outbox_published", "every outbox row in the four databases was published to Kafka")
    for db, statuses in sorted(facts.outbox.items()):
        for status, rows in sorted(statuses.items()):
            if status != "published" and rows:
                check.problems.append(f"{db}: {rows} rows {status}")
    check.info = {"rows": facts.outbox, "newer_unpublished_ignored": facts.outbox_young}
    return check


def run_checks(facts: Facts) -> list[Check]:
    return [
        check_capacity(facts),
        check_counts_line_up(facts),
        check_stores_agree(facts),
        check_payments(facts),
        check_released_once(facts),
        check_idempotency(facts),
        check_outbox(facts),
    ]

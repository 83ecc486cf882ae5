"""Each audit rule on hand-made facts: a consistent sale passes, and each kind of damage fails the right check."""

from __future__ import annotations

import dataclasses

from engine.audit import AuditedHold
from loadtest.audit import BookingRow, Counts, Facts, PaymentRow, run_checks

ZONE = "z1"


def _facts() -> Facts:
    bookings = [
        BookingRow("b1", "u1", ZONE, 2, "confirmed", "p1", "u1:k1", "2000.00"),
        BookingRow("b2", "u2", ZONE, 1, "reserved", None, "u2:k1", "1000.00"),
        BookingRow("b3", "u3", ZONE, 1, "cancelled", None, "u3:k1", "1000.00"),
    ]
    payments = [
        PaymentRow("p1", "b1", "completed", "2000.00"),
        PaymentRow("p2", "b2", "pending", "1000.00"),
        PaymentRow("p3", "b3", "failed", "1000.00"),
    ]
    counts = Counts(10, 7, 1, 2)
    return Facts(
        event_id="e1",
        redis_zones={ZONE: counts},
        redis_indexed={"b2": AuditedHold("b2", "held", ZONE, 1, 0, 0)},
        redis_user_total=3,
        ticket_zones={ZONE: counts},
        ticket_shows={"s1": (1, 2, 1, 2)},
        bookings=bookings,
        payments=payments,
        outbox={"booking_db": {"published": 5}},
    )


def _failed(facts: Facts) -> set[str]:
    return {check.name for check in run_checks(facts) if not check.ok}


def test_consistent_sale_passes() -> None:
    assert _failed(_facts()) == set()


def test_oversold_zone_fails_capacity_and_agreement() -> None:
    facts = _facts()
    facts.redis_zones = {ZONE: Counts(10, -1, 1, 10)}
    assert {"capacity", "stores_agree"} <= _failed(facts)


def test_ticket_db_lagging_fails_agreement_only() -> None:
    facts = _facts()
    facts.ticket_zones = {ZONE: Counts(10, 6, 2, 2)}
    facts.ticket_shows = {"s1": (2, 2, 2, 2)}
    assert _failed(facts) == {"stores_agree"}


def test_confirmed_booking_without_completed_payment_fails() -> None:
    facts = _facts()
    facts.payments[0] = PaymentRow("p1", "b1", "processing", "2000.00")
    assert _failed(facts) == {"payments"}


def test_completed_payment_for_cancelled_booking_fails() -> None:
    facts = _facts()
    facts.payments[2] = PaymentRow("p3", "b3", "completed", "1000.00")
    assert _failed(facts) == {"payments"}


def test_cancelled_booking_still_holding_seats_fails_release() -> None:
    facts = _facts()
    facts.redis_indexed["b3"] = AuditedHold("b3", "held", ZONE, 1, 0, 0)
    assert "released_once" in _failed(facts)


def test_double_release_shows_in_user_totals() -> None:
    facts = _facts()
    facts.redis_user_total = 2
    assert _failed(facts) == {"released_once"}


def test_duplicate_idempotency_key_fails() -> None:
    facts = _facts()
    facts.duplicate_user_keys = 1
    facts.bookings[1] = dataclasses.replace(facts.bookings[1], idempotency_key="u9:k1")
    assert _failed(facts) == {"idempotency"}


def test_unpublished_outbox_rows_fail() -> None:
    facts = _facts()
    facts.outbox["payment_db"] = {"published": 3, "failed": 1}
    assert _failed(facts) == {"outbox_published"}

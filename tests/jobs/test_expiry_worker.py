"""The expiry worker: due holds go back to the pool, their bookings become 'expired' with a booking.expired event,
exactly once, even with several workers and with payments landing at the deadline."""

from __future__ import annotations

import asyncio

from engine import HoldExpired
from services.booking.expiry import expire_bookings
from services.shared.db import acquire
from sync.expiry import ExpiryWorker
from tests.jobs.conftest import LiveSale, now_ms


async def _seats(sale: LiveSale) -> tuple[int, int, int]:
    snap = (await sale.engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id]
    return snap.available, snap.reserved, snap.sold


async def test_a_due_hold_is_returned_and_its_booking_expired_in_one_sweep(live_sale: LiveSale) -> None:
    start = now_ms()
    due = [await live_sale.hold(quantity=2, ttl_ms=1_000, at_ms=start) for _ in range(3)]
    not_due = await live_sale.hold(quantity=1, ttl_ms=600_000, at_ms=start)
    assert await _seats(live_sale) == (493, 7, 0)

    result = await ExpiryWorker(live_sale.engine, live_sale.pool).sweep(now_ms=start + 1_000)

    assert result.expired == 3
    assert await _seats(live_sale) == (499, 1, 0)
    statuses = await live_sale.statuses()
    assert {statuses[h.hold_id] for h in due} == {"expired"}
    assert statuses[not_due.hold_id] == "reserved"
    assert sorted(await live_sale.expired_events()) == sorted(h.hold_id for h in due)


async def test_a_hold_confirmed_just_before_its_deadline_is_never_returned(live_sale: LiveSale) -> None:
    start = now_ms()
    hold = await live_sale.hold(quantity=3, ttl_ms=2_000, at_ms=start)
    await live_sale.engine.confirm(live_sale.event_id, hold.hold_id, "pay-1", now_ms=hold.deadline_ms - 1_000)

    result = await ExpiryWorker(live_sale.engine, live_sale.pool).sweep(now_ms=hold.deadline_ms + 5_000)

    assert result.expired == 0
    assert await _seats(live_sale) == (497, 0, 3)
    assert await live_sale.expired_events() == []


async def test_payment_at_the_deadline_plus_or_minus_one_second_has_exactly_one_winner(live_sale: LiveSale) -> None:
    start = now_ms()
    worker = ExpiryWorker(live_sale.engine, live_sale.pool)
    outcomes: dict[str, str] = {}
    for offset_ms in (-1_000, -1, 0, 1, 1_000):
        hold = await live_sale.hold(quantity=1, ttl_ms=5_000, at_ms=start)
        deadline = hold.deadline_ms

        async def pay(hold_id: str = hold.hold_id, at: int = deadline + offset_ms) -> str:
            try:
                await live_sale.engine.confirm(live_sale.event_id, hold_id, f"pay-{hold_id}", now_ms=at)
            except HoldExpired:
                # What booking-service's payment consumer does when the engine says the hold expired first.
                async with acquire(live_sale.pool) as conn:
                    await expire_bookings(conn, [hold_id], payment_id=f"pay-{hold_id}")
                return "expired"
            return "confirmed"

        paid, swept = await asyncio.gather(pay(), worker.sweep(now_ms=deadline + abs(offset_ms)))
        outcomes[hold.hold_id] = paid
        if paid == "confirmed":
            assert offset_ms < 0 or swept.expired == 0
    await worker.sweep(now_ms=start + 60_000)  # whatever the confirm expired on the spot is swept too

    available, reserved, sold = await _seats(live_sale)
    confirmed = sum(1 for outcome in outcomes.values() if outcome == "confirmed")
    assert (reserved, sold) == (0, confirmed)
    assert available == live_sale.total - confirmed
    assert list(outcomes.values()) == ["confirmed", "confirmed", "expired", "expired", "expired"]
    expired_events = await live_sale.expired_events()
    assert len(expired_events) == len(set(expired_events))
    for hold_id, outcome in outcomes.items():
        assert (hold_id in expired_events) == (outcome == "expired")


async def test_several_workers_never_expire_a_hold_twice(live_sale: LiveSale) -> None:
    start = now_ms()
    holds = [await live_sale.hold(quantity=1, ttl_ms=1_000, at_ms=start) for _ in range(120)]
    workers = [ExpiryWorker(live_sale.engine, live_sale.pool, batch_size=7) for _ in range(4)]

    results = await asyncio.gather(*(worker.sweep(now_ms=start + 2_000) for worker in workers))

    assert sum(result.expired for result in results) == len(holds)
    assert sorted(await live_sale.expired_events()) == sorted(h.hold_id for h in holds)
    assert await _seats(live_sale) == (live_sale.total, 0, 0)


async def test_catch_up_finishes_a_booking_whose_hold_was_swept_before_a_crash(live_sale: LiveSale) -> None:
    start = now_ms() - 120_000  # deadline long past
    hold = await live_sale.hold(quantity=2, ttl_ms=1_000, at_ms=start)
    confirmed = await live_sale.hold(quantity=1, ttl_ms=1_000, at_ms=start)
    await live_sale.engine.confirm(live_sale.event_id, confirmed.hold_id, "pay-x", now_ms=start + 10)
    # The crash: Redis returned the seats, the booking_db transaction never happened.
    assert [h.hold_id for h in await live_sale.engine.expire_due(live_sale.event_id, now_ms(), 100)] == [hold.hold_id]

    repaired = await ExpiryWorker(live_sale.engine, live_sale.pool, catch_up_grace_s=1).catch_up()

    assert repaired == 1
    statuses = await live_sale.statuses()
    assert statuses[hold.hold_id] == "expired"
    assert statuses[confirmed.hold_id] == "reserved"  # confirmed in Redis: the booking consumer's job, not ours
    assert await _seats(live_sale) == (499, 0, 1)

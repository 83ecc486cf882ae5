"""confirm / release / expire_due / open_sale / close_sale / restore_hold / snapshot / sold-out: every code, on
single Redis and on the cluster."""

from dataclasses import replace
from decimal import Decimal

import pytest

from engine import (
    CountersLive,
    HoldAlreadyConfirmed,
    HoldAlreadyReleased,
    HoldExpired,
    HoldNotFound,
    InvalidArgument,
    InventoryEngine,
    ReleaseReason,
    ZoneNotFound,
    ZoneSnapshot,
)
from tests.engine.support import NOW, Sale, new_id, open_sale

TTL = 60_000


async def counters(sale: Sale, zone: int = 0) -> tuple[int, int, int]:
    snap = (await sale.engine.snapshot_event(sale.event_id))[sale.zones[zone].zone_id]
    return snap.available, snap.reserved, snap.sold


async def test_confirm_moves_reserved_to_sold_and_is_idempotent(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 5)
    hold = await engine.reserve(sale.req(quantity=2, hold_ttl_ms=TTL))
    done = await engine.confirm(sale.event_id, hold.hold_id, "pay-1", NOW + 1)
    assert (done.zone_id, done.quantity, done.replayed) == (sale.zone_id, 2, False)
    assert await counters(sale) == (3, 0, 2)
    assert await engine.redis.zscore(engine.keys.expiry(sale.event_id), hold.hold_id) is None
    assert await engine.redis.ttl(engine.keys.hold(sale.event_id, hold.hold_id)) == -1  # kept for refunds
    again = await engine.confirm(sale.event_id, hold.hold_id, "pay-1", NOW + 2)
    assert again.replayed and await counters(sale) == (3, 0, 2)
    with pytest.raises(HoldAlreadyConfirmed) as info:
        await engine.confirm(sale.event_id, hold.hold_id, "pay-2", NOW + 3)
    assert info.value.reason == "hold_confirmed"
    assert await counters(sale) == (3, 0, 2)


async def test_confirm_unknown_released_and_expired_holds(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 5)
    with pytest.raises(HoldNotFound):
        await engine.confirm(sale.event_id, new_id(), "pay", NOW)
    released = await engine.reserve(sale.req())
    await engine.release(sale.event_id, released.hold_id, "cancelled", NOW)
    with pytest.raises(HoldAlreadyReleased):
        await engine.confirm(sale.event_id, released.hold_id, "pay", NOW)
    expired = await engine.reserve(sale.req(hold_ttl_ms=TTL))
    assert len(await engine.expire_due(sale.event_id, NOW + TTL, 10)) == 1
    with pytest.raises(HoldExpired):
        await engine.confirm(sale.event_id, expired.hold_id, "pay", NOW)
    assert await counters(sale) == (5, 0, 0)


async def test_confirm_at_deadline_expires_inline_and_never_sells(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 5)
    hold = await engine.reserve(sale.req(quantity=2, hold_ttl_ms=TTL))
    with pytest.raises(HoldExpired):
        await engine.confirm(sale.event_id, hold.hold_id, "pay", NOW + TTL)
    assert await counters(sale) == (5, 0, 0)
    assert await engine.expire_due(sale.event_id, NOW + TTL, 10) == []  # already returned, not twice
    assert await counters(sale) == (5, 0, 0)


async def test_release_held_hold_exactly_once_for_each_reason(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 5, event={"max_tickets_per_user": 3})
    user = new_id()
    reasons: tuple[ReleaseReason, ...] = ("cancelled", "payment_failed")
    for reason in reasons:
        hold = await engine.reserve(sale.req(user, 3))
        out = await engine.release(sale.event_id, hold.hold_id, reason, NOW)
        assert (out.zone_id, out.quantity, out.user_id, out.refunded) == (sale.zone_id, 3, user, False)
        assert await counters(sale) == (5, 0, 0)
        with pytest.raises(HoldAlreadyReleased):
            await engine.release(sale.event_id, hold.hold_id, "cancelled", NOW)
        assert await counters(sale) == (5, 0, 0)
        terminal_ttl = await engine.redis.pttl(engine.keys.hold(sale.event_id, hold.hold_id))
        assert 86_400_000 - 10_000 < terminal_ttl <= 86_400_000
    await engine.reserve(sale.req(user, 3))  # the user's allowance came back both times


async def test_release_confirmed_hold_is_a_refund_once(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 4, event={"max_tickets_per_user": 4})
    user = new_id()
    hold = await engine.reserve(sale.req(user, 4))
    await engine.confirm(sale.event_id, hold.hold_id, "pay", NOW)
    assert await engine.is_sold_out(sale.event_id, sale.zone_id)
    with pytest.raises(HoldAlreadyConfirmed):  # a late payment_failed never undoes a payment
        await engine.release(sale.event_id, hold.hold_id, "payment_failed", NOW)
    assert await counters(sale) == (0, 0, 4)
    refund = await engine.release(sale.event_id, hold.hold_id, "cancelled", NOW)
    assert refund.refunded and await counters(sale) == (4, 0, 0)
    assert not await engine.is_sold_out(sale.event_id, sale.zone_id)
    with pytest.raises(HoldAlreadyReleased):
        await engine.release(sale.event_id, hold.hold_id, "cancelled", NOW)
    assert await counters(sale) == (4, 0, 0)
    await engine.reserve(sale.req(user, 4))


async def test_release_unknown_expired_and_bad_reason(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 5)
    with pytest.raises(HoldNotFound):
        await engine.release(sale.event_id, new_id(), "cancelled", NOW)
    hold = await engine.reserve(sale.req(hold_ttl_ms=TTL))
    with pytest.raises(InvalidArgument):
        await engine.release(sale.event_id, hold.hold_id, "whatever", NOW)  # type: ignore[arg-type]
    await engine.expire_due(sale.event_id, NOW + TTL, 10)
    with pytest.raises(HoldExpired):
        await engine.release(sale.event_id, hold.hold_id, "cancelled", NOW)
    assert await counters(sale) == (5, 0, 0)


async def test_expire_due_returns_due_holds_within_one_sweep_and_respects_limit(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 20)
    early = [await engine.reserve(sale.req(quantity=2, hold_ttl_ms=TTL)) for _ in range(5)]
    late = await engine.reserve(sale.req(hold_ttl_ms=TTL * 2))
    assert await engine.expire_due(sale.event_id, NOW + TTL - 1, 100) == []
    first = await engine.expire_due(sale.event_id, NOW + TTL, 3)
    rest = await engine.expire_due(sale.event_id, NOW + TTL, 100)
    assert len(first) == 3 and len(rest) == 2
    assert {e.hold_id for e in first + rest} == {h.hold_id for h in early}
    assert all(e.zone_id == sale.zone_id and e.quantity == 2 and e.event_id == sale.event_id for e in first)
    assert await counters(sale) == (19, 1, 0)
    assert [e.hold_id for e in await engine.expire_due(sale.event_id, NOW + 2 * TTL, 100)] == [late.hold_id]
    assert await counters(sale) == (20, 0, 0)
    assert await engine.redis.hlen(engine.keys.users(sale.event_id)) == 0


async def test_hold_confirmed_just_before_expiry_is_never_returned(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 5)
    hold = await engine.reserve(sale.req(quantity=2, hold_ttl_ms=TTL))
    await engine.confirm(sale.event_id, hold.hold_id, "pay", NOW + TTL - 1)
    assert await engine.expire_due(sale.event_id, NOW + 10 * TTL, 100) == []
    assert await counters(sale) == (3, 0, 2)


async def test_hold_record_survives_its_deadline_until_swept(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 5)
    hold = await engine.reserve(sale.req(hold_ttl_ms=1))  # deadline long past in wall-clock terms
    key = engine.keys.hold(sale.event_id, hold.hold_id)
    assert await engine.redis.exists(key) == 1 and await engine.redis.ttl(key) == -1
    [gone] = await engine.expire_due(sale.event_id, NOW + 1, 10)
    assert gone.hold_id == hold.hold_id and await engine.redis.ttl(key) > 0


async def test_live_event_registry_and_sweep_all(engine: InventoryEngine) -> None:
    a, b = await open_sale(engine, 5), await open_sale(engine, 5)
    assert await engine.live_events() == sorted([a.event_id, b.event_id])
    await engine.reserve(a.req(hold_ttl_ms=TTL))
    await engine.reserve(b.req(hold_ttl_ms=TTL))
    await engine.close_sale(a.event_id)
    assert a.event_id in await engine.live_events()  # still has a pending hold to expire
    swept = await engine.expire_all_due(NOW + TTL)
    assert {e.event_id for e in swept} == {a.event_id, b.event_id}
    assert await engine.live_events() == [b.event_id]


async def test_open_sale_is_idempotent_and_refuses_to_overwrite_live_counters(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 10)
    await engine.open_sale(sale.event, sale.show, sale.zones)
    assert await counters(sale) == (10, 0, 0)
    resized = [replace(sale.zones[0], total_seats=12)]
    await engine.open_sale(sale.event, sale.show, resized)  # untouched counters may be resized
    assert await counters(sale) == (12, 0, 0)
    hold = await engine.reserve(sale.req(quantity=2))
    await engine.confirm(sale.event_id, hold.hold_id, "pay", NOW)
    await engine.reserve(sale.req(quantity=3))
    await engine.open_sale(sale.event, sale.show, [replace(resized[0], price=Decimal("99.50"))])  # rules only
    assert await counters(sale) == (7, 3, 2)
    assert await engine.redis.hget(engine.keys.zone(sale.event_id, sale.zone_id), "price") == "99.50"
    with pytest.raises(CountersLive):
        await engine.open_sale(sale.event, sale.show, [replace(resized[0], total_seats=20)])
    assert await counters(sale) == (7, 3, 2)


async def test_open_sale_rejects_inconsistent_specs(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 10)
    zone = replace(sale.zones[0], zone_id=new_id())
    for bad in (
        replace(zone, sold_seats=11),
        replace(zone, min_per_order=0),
        replace(zone, min_per_order=5, max_per_order=4),
    ):
        with pytest.raises(InvalidArgument):
            await engine.open_sale(sale.event, sale.show, [bad])
    with pytest.raises(InvalidArgument):
        await engine.open_sale(sale.event, replace(sale.show, event_id=new_id()), sale.zones)


async def test_rebuild_and_restore_hold(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 10, event={"max_tickets_per_user": 4})
    user = new_id()
    await engine.reserve(sale.req(quantity=1))
    # After a loss the rebuild job passes counters from booking_db: 3 sold, 2 in active holds.
    rebuilt = [replace(sale.zones[0], sold_seats=3, held_seats=2)]
    await engine.open_sale(sale.event, sale.show, rebuilt, rebuild=True)
    assert await counters(sale) == (5, 2, 3)
    hold_id, paid_id, idem = new_id(), new_id(), new_id()
    common = {"tenant_id": sale.tenant_id, "user_id": user, "event_id": sale.event_id, "show_id": sale.show.show_id,
              "zone_id": sale.zone_id, "now_ms": NOW}  # fmt: skip
    kw = {**common, "quantity": 2, "hold_id": hold_id, "idempotency_key": idem, "deadline_ms": NOW + TTL}
    assert await engine.restore_hold(**kw)  # type: ignore[arg-type]
    assert not await engine.restore_hold(**kw)  # type: ignore[arg-type]
    paid = {**common, "quantity": 1, "hold_id": paid_id, "idempotency_key": new_id(), "deadline_ms": NOW}
    assert await engine.restore_hold(**paid, payment_id="pay")  # type: ignore[arg-type]
    with pytest.raises(ZoneNotFound):
        await engine.restore_hold(**{**kw, "hold_id": new_id(), "show_id": new_id()})  # type: ignore[arg-type]
    assert await counters(sale) == (5, 2, 3)  # restore never touches counters
    replay = await engine.reserve(sale.req(user, 2, idempotency_key=idem))
    assert replay.replayed and replay.hold_id == hold_id
    with pytest.raises(Exception, match="limit_exceeded"):  # 2 held + 1 bought restored for this user
        await engine.reserve(sale.req(user, 2))
    [expired] = await engine.expire_due(sale.event_id, NOW + TTL, 10)
    assert expired.hold_id == hold_id and await counters(sale) == (7, 0, 3)
    assert (await engine.release(sale.event_id, paid_id, "cancelled", NOW)).refunded


async def test_close_sale_keeps_pending_holds_resolvable(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, [5, 5])
    hold = await engine.reserve(sale.req())
    assert await engine.close_sale(sale.event_id) == 2
    await engine.confirm(sale.event_id, hold.hold_id, "pay", NOW)
    assert await counters(sale) == (4, 0, 1)
    await engine.open_sale(sale.event, sale.show, sale.zones)  # re-open: active again, counters kept
    await engine.reserve(sale.req())
    assert await counters(sale) == (3, 1, 1)


async def test_snapshots_of_show_and_event(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, [5, 7])
    other_show = replace(sale.show, show_id=new_id())
    extra = replace(sale.zones[0], zone_id=new_id(), show_id=other_show.show_id, total_seats=3)
    await engine.open_sale(sale.event, other_show, [extra])
    await engine.reserve(sale.req(quantity=2))
    show_snap = await engine.snapshot_show(sale.event_id, sale.show.show_id)
    assert set(show_snap) == {z.zone_id for z in sale.zones}
    assert show_snap[sale.zone_id] == ZoneSnapshot(sale.zone_id, sale.show.show_id, 5, 3, 2, 0, True)
    event_snap = await engine.snapshot_event(sale.event_id)
    assert set(event_snap) == {*show_snap, extra.zone_id} and event_snap[extra.zone_id].available == 3
    assert await engine.snapshot_event(new_id()) == {}


async def test_sold_out_flag_follows_available(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 2)
    assert not await engine.is_sold_out(sale.event_id, sale.zone_id)
    hold = await engine.reserve(sale.req(quantity=2, hold_ttl_ms=TTL))
    assert await engine.is_sold_out(sale.event_id, sale.zone_id)
    await engine.expire_due(sale.event_id, NOW + TTL, 10)
    assert not await engine.is_sold_out(sale.event_id, sale.zone_id)
    assert hold.remaining == 0
    zero = await open_sale(engine, 3, zone={"sold_seats": 3})
    assert await engine.is_sold_out(zero.event_id, zero.zone_id)  # loaded already sold out


async def test_forget_idempotency_drops_only_the_record_of_that_hold(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 10)
    user = new_id()
    first = await engine.reserve(sale.req(user_id=user, idempotency_key="key-1", hold_ttl_ms=TTL))
    assert not await engine.forget_idempotency(sale.event_id, "key-1", new_id())  # names another hold: kept
    replay = await engine.reserve(sale.req(user_id=user, idempotency_key="key-1", hold_ttl_ms=TTL))
    assert replay.replayed and replay.hold_id == first.hold_id

    await engine.release(sale.event_id, first.hold_id, "cancelled")
    assert await engine.forget_idempotency(sale.event_id, "key-1", first.hold_id)
    assert not await engine.forget_idempotency(sale.event_id, "key-1", first.hold_id)  # already gone
    fresh = await engine.reserve(sale.req(user_id=user, idempotency_key="key-1", hold_ttl_ms=TTL))
    assert not fresh.replayed and fresh.hold_id != first.hold_id
    assert await counters(sale) == (9, 1, 0)

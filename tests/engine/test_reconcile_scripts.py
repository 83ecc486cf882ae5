"""audit_event-3, set_zone_counters-2 and drop_hold-4 (the reconciler's scripts): every code, TTLs, the NOSCRIPT
path, on single Redis and on the cluster."""

import pytest

from engine import CountersChanged, HoldNotFound, InvalidArgument, InventoryEngine, ZoneCounters, ZoneNotFound
from tests.engine.support import NOW, new_id, open_sale

TTL = 60_000


async def test_audit_returns_counters_indexed_holds_and_anomalies_in_one_view(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, [10, 5])
    held = await engine.reserve(sale.req(quantity=2, hold_ttl_ms=TTL))
    paid = await engine.reserve(sale.req(quantity=3, hold_ttl_ms=TTL))
    await engine.confirm(sale.event_id, paid.hold_id, "pay", NOW + 1)
    ghost = new_id()

    audit = await engine.audit_event(sale.event_id, [held.hold_id, paid.hold_id, ghost], [paid.hold_id, held.hold_id])

    snap = audit.zones[sale.zone_id]
    assert (snap.total, snap.available, snap.reserved, snap.sold) == (10, 5, 2, 3)
    assert set(audit.zones) == {z.zone_id for z in sale.zones}
    indexed = audit.indexed[held.hold_id]
    assert (indexed.state, indexed.zone_id, indexed.quantity, indexed.deadline_ms, indexed.created_ms) == (
        "held",
        sale.zone_id,
        2,
        NOW + TTL,
        NOW,
    )
    assert set(audit.indexed) == {held.hold_id}  # confirmed holds leave the expiry index
    assert audit.anomalies == {paid.hold_id: "confirmed", ghost: "missing", held.hold_id: "held"}


async def test_audit_reports_an_index_entry_whose_record_is_gone(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 4)
    hold = await engine.reserve(sale.req(quantity=1, hold_ttl_ms=TTL))
    await engine.redis.delete(engine.keys.hold(sale.event_id, hold.hold_id))

    audit = await engine.audit_event(sale.event_id)

    assert (audit.indexed[hold.hold_id].state, audit.indexed[hold.hold_id].deadline_ms) == ("missing", NOW + TTL)
    assert (await engine.audit_event(new_id())).zones == {}


async def test_set_zone_counters_is_a_compare_and_set(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 10)
    await engine.reserve(sale.req(quantity=4, hold_ttl_ms=TTL))
    seen = ZoneCounters(10, 6, 4, 0)

    with pytest.raises(CountersChanged):
        await engine.set_zone_counters(sale.event_id, sale.zone_id, ZoneCounters(10, 10, 0, 0), seen)
    with pytest.raises(InvalidArgument):
        await engine.set_zone_counters(sale.event_id, sale.zone_id, seen, ZoneCounters(10, 6, 3, 0))
    with pytest.raises(ZoneNotFound):
        await engine.set_zone_counters(sale.event_id, new_id(), seen, seen)
    assert await engine.set_zone_counters(sale.event_id, sale.zone_id, seen, seen) is False  # UNCHANGED
    assert await engine.set_zone_counters(sale.event_id, sale.zone_id, seen, ZoneCounters(10, 0, 4, 6)) is True
    assert await engine.is_sold_out(sale.event_id, sale.zone_id)  # the sold-out flag follows available
    await engine.redis.script_flush()  # NOSCRIPT: redis-py reloads the script
    assert await engine.set_zone_counters(sale.event_id, sale.zone_id, ZoneCounters(10, 0, 4, 6), seen) is True
    assert not await engine.is_sold_out(sale.event_id, sale.zone_id)


async def test_drop_hold_withdraws_a_held_hold_without_moving_seats(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 10)
    req = sale.req(quantity=3, hold_ttl_ms=TTL)
    hold = await engine.reserve(req)
    paid = await engine.reserve(sale.req(quantity=1, hold_ttl_ms=TTL))
    await engine.confirm(sale.event_id, paid.hold_id, "p", NOW + 1)
    k = engine.keys

    assert await engine.drop_hold(sale.event_id, hold.hold_id, NOW + 5) is True
    assert await engine.drop_hold(sale.event_id, hold.hold_id, NOW + 6) is False  # no longer held
    assert await engine.drop_hold(sale.event_id, paid.hold_id, NOW + 6) is False  # a confirmed hold is untouched
    with pytest.raises(HoldNotFound):
        await engine.drop_hold(sale.event_id, new_id(), NOW)

    snap = (await engine.snapshot_event(sale.event_id))[sale.zone_id]
    assert (snap.available, snap.reserved, snap.sold) == (6, 3, 1)  # counters untouched: the caller sets them
    assert await engine.redis.hget(k.hold(sale.event_id, hold.hold_id), "state") == "released"
    assert 0 < await engine.redis.pttl(k.hold(sale.event_id, hold.hold_id)) <= engine.terminal_ttl_ms
    assert await engine.redis.zscore(k.expiry(sale.event_id), hold.hold_id) is None
    assert await engine.redis.hget(k.users(sale.event_id), req.user_id) is None
    assert not await engine.redis.exists(k.idem(sale.event_id, req.idempotency_key))  # a retry reserves afresh

"""reserve: every return code and boundary, on single Redis and on the cluster (contract tests)."""

from dataclasses import replace

import pytest

from engine import (
    Code,
    HoldIdTaken,
    IdempotencyConflict,
    InsufficientSeats,
    InvalidQuantity,
    InventoryEngine,
    LimitExceeded,
    ReserveRequest,
    SaleEnded,
    SaleNotStarted,
    SoldOut,
    ZoneInactive,
    ZoneNotFound,
)
from tests.engine.support import NOW, new_id, open_sale

RESERVE_PATHS = ["batched", "unbatched"]


async def reserve(engine: InventoryEngine, req: ReserveRequest, path: str):  # type: ignore[no-untyped-def]
    return await (engine.reserve(req) if path == "batched" else engine.reserve_unbatched(req))


@pytest.fixture(params=RESERVE_PATHS)
def path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_reserve_ok_moves_seats_and_records_hold(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, 10)
    req = sale.req(quantity=3, hold_ttl_ms=60_000)
    hold = await reserve(engine, req, path)
    assert (hold.hold_id, hold.zone_id, hold.quantity, hold.remaining) == (req.hold_id, sale.zone_id, 3, 7)
    assert hold.deadline_ms == NOW + 60_000 and not hold.replayed
    snap = (await engine.snapshot_event(sale.event_id))[sale.zone_id]
    assert (snap.available, snap.reserved, snap.sold, snap.total) == (7, 3, 0, 10)
    k, r = engine.keys, engine.redis
    assert await r.zscore(k.expiry(sale.event_id), req.hold_id) == NOW + 60_000
    assert await r.ttl(k.hold(sale.event_id, req.hold_id)) == -1  # no TTL while held
    idem_ttl = await r.pttl(k.idem(sale.event_id, req.idempotency_key))
    assert 86_400_000 - 10_000 < idem_ttl <= 86_400_000
    assert await r.hget(k.users(sale.event_id), req.user_id) == "3"


@pytest.mark.parametrize("quantity", [0, -1, 5])
async def test_quantity_outside_bounds_is_invalid(engine: InventoryEngine, path: str, quantity: int) -> None:
    sale = await open_sale(engine, 10, zone={"max_per_order": 4})
    with pytest.raises(InvalidQuantity) as info:
        await reserve(engine, sale.req(quantity=quantity), path)
    assert info.value.code is Code.INVALID_QUANTITY and info.value.reason == "invalid_quantity"


async def test_quantity_below_zone_minimum_is_invalid_and_at_bounds_is_ok(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, 10, zone={"min_per_order": 2, "max_per_order": 4})
    with pytest.raises(InvalidQuantity):
        await reserve(engine, sale.req(quantity=1), path)
    assert (await reserve(engine, sale.req(quantity=2), path)).remaining == 8
    assert (await reserve(engine, sale.req(quantity=4), path)).remaining == 4


async def test_exactly_the_last_seat_then_sold_out(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, 3)
    assert (await reserve(engine, sale.req(quantity=2), path)).remaining == 1
    with pytest.raises(InsufficientSeats) as info:
        await reserve(engine, sale.req(quantity=2), path)
    assert isinstance(info.value, SoldOut) and info.value.code is Code.INSUFFICIENT_SEATS
    assert (await reserve(engine, sale.req(quantity=1), path)).remaining == 0
    assert await engine.is_sold_out(sale.event_id, sale.zone_id)
    with pytest.raises(SoldOut) as sold_out:
        await reserve(engine, sale.req(quantity=1), path)
    assert sold_out.value.code is Code.SOLD_OUT and sold_out.value.reason == "sold_out"


async def test_unknown_zone_and_zone_of_another_show(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, 5)
    with pytest.raises(ZoneNotFound):
        await reserve(engine, sale.req(zone_id=new_id()), path)
    with pytest.raises(ZoneNotFound):
        await reserve(engine, sale.req(show_id=new_id()), path)
    with pytest.raises(ZoneNotFound):
        await reserve(engine, sale.req(event_id=new_id()), path)


async def test_inactive_zone_and_closed_sale(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, 5, zone={"is_active": False})
    with pytest.raises(ZoneInactive):
        await reserve(engine, sale.req(), path)
    open_one = await open_sale(engine, [5, 5])
    assert await engine.close_sale(open_one.event_id, open_one.show.show_id) == 2
    with pytest.raises(ZoneInactive):
        await reserve(engine, open_one.req(), path)


@pytest.mark.parametrize("level", ["zone", "show", "event"])
async def test_each_sale_window_is_enforced(engine: InventoryEngine, path: str, level: str) -> None:
    names = {"zone": ("sale_start_ms", "sale_end_ms"), "show": ("sale_start_ms", "sale_end_ms"),
             "event": ("booking_start_ms", "booking_end_ms")}[level]  # fmt: skip
    sale = await open_sale(engine, 5, **{level: {names[0]: NOW, names[1]: NOW + 1000}})
    with pytest.raises(SaleNotStarted) as early:
        await reserve(engine, sale.req(now_ms=NOW - 1), path)
    assert early.value.reason == "sale_not_started"
    assert (await reserve(engine, sale.req(now_ms=NOW), path)).remaining == 4  # start is inclusive
    assert (await reserve(engine, sale.req(now_ms=NOW + 999), path)).remaining == 3
    with pytest.raises(SaleEnded):  # end is exclusive
        await reserve(engine, sale.req(now_ms=NOW + 1000), path)


async def test_null_windows_are_unbounded(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, 5)
    for now in (0, NOW, 2**42):
        await reserve(engine, sale.req(now_ms=now), path)


async def test_user_limit_by_holds_by_purchases_and_by_a_mix(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, [50, 50], event={"max_tickets_per_user": 4})
    by_holds, by_purchases, mixed = new_id(), new_id(), new_id()
    await reserve(engine, sale.req(by_holds, 4), path)
    with pytest.raises(LimitExceeded) as info:
        await reserve(engine, sale.req(by_holds, 1), path)
    assert info.value.reason == "limit_exceeded"

    bought = await reserve(engine, sale.req(by_purchases, 4), path)
    await engine.confirm(sale.event_id, bought.hold_id, "pay-1", NOW)
    with pytest.raises(LimitExceeded):  # confirmed purchases count, in any zone of the event
        await reserve(engine, sale.req(by_purchases, 1, zone_id=sale.zones[1].zone_id), path)

    paid = await reserve(engine, sale.req(mixed, 2), path)
    await engine.confirm(sale.event_id, paid.hold_id, "pay-2", NOW)
    await reserve(engine, sale.req(mixed, 1), path)
    with pytest.raises(LimitExceeded):
        await reserve(engine, sale.req(mixed, 2), path)
    assert (await reserve(engine, sale.req(mixed, 1), path)).quantity == 1  # exactly at the limit is fine


async def test_no_limit_when_event_has_none(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, 100, event={"max_tickets_per_user": None}, zone={"max_per_order": 10})
    user = new_id()
    for _ in range(5):
        await reserve(engine, sale.req(user, 10), path)


async def test_idempotent_replay_returns_original_hold_even_after_sell_out(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, 2)
    first = sale.req(quantity=2)
    original = await reserve(engine, first, path)
    again = await reserve(engine, replace(first, hold_id=new_id(), now_ms=NOW + 5), path)  # retry, new hold id
    assert again.replayed and again.hold_id == original.hold_id and again.deadline_ms == original.deadline_ms
    assert (await engine.snapshot_event(sale.event_id))[sale.zone_id].reserved == 2  # no second hold
    with pytest.raises(IdempotencyConflict) as info:
        await reserve(engine, replace(first, quantity=1), path)
    assert info.value.reason == "idempotency_conflict"


async def test_hold_id_reuse_is_refused(engine: InventoryEngine, path: str) -> None:
    sale = await open_sale(engine, 5)
    hold = await reserve(engine, sale.req(), path)
    with pytest.raises(HoldIdTaken):
        await reserve(engine, sale.req(hold_id=hold.hold_id), path)
    assert (await engine.snapshot_event(sale.event_id))[sale.zone_id].reserved == 1


async def test_checks_follow_the_documented_order(engine: InventoryEngine, path: str) -> None:
    """A request failing several checks reports the first one in the documented order."""
    rules = {"sale_start_ms": NOW + 10, "max_per_order": 2}
    inactive = await open_sale(engine, 1, zone={**rules, "is_active": False})
    with pytest.raises(ZoneInactive):  # active before window
        await reserve(engine, inactive.req(quantity=0), path)
    live = await open_sale(engine, 1, zone=rules, event={"max_tickets_per_user": 1})
    with pytest.raises(SaleNotStarted):  # window before quantity
        await reserve(engine, live.req(quantity=0), path)
    with pytest.raises(InvalidQuantity):  # quantity before seats
        await reserve(engine, live.req(quantity=3, now_ms=NOW + 10), path)
    with pytest.raises(InsufficientSeats):  # seats before the user limit
        await reserve(engine, live.req(quantity=2, now_ms=NOW + 10), path)

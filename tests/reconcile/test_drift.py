"""Drift injected on purpose is found with the right kind, repaired by --apply, and a second run is clean."""

from __future__ import annotations

import uuid

from engine import ReserveRequest
from sync.reconcile.findings import Kind
from tests.reconcile.support import Rig, now_ms


def _kinds(result: object) -> dict[str, int]:
    return result.by_kind(soft=False)  # type: ignore[attr-defined,no-any-return]


async def test_a_consistent_sale_has_no_drift(rig: Rig) -> None:
    sale = await rig.sale()
    for zone in sale.zone_ids:
        await rig.reserve(sale, zone, 2)
    await rig.confirm(sale, await rig.reserve(sale, sale.zone_ids[0], 3))

    result = await rig.run()

    assert not result.drift, result.findings
    assert result.zones == 3 and result.verified_events == 0


async def test_every_injected_drift_is_found_then_repaired(rig: Rig) -> None:
    sale = await rig.sale(zones=5, seats=50)
    z_lost, z_edit, z_orphan, z_nohold, z_paid = sale.zone_ids
    redis, keys = rig.engine.redis, rig.engine.keys
    lost = await rig.reserve(sale, z_lost, 2)
    await rig.reserve(sale, z_edit, 1)
    orphan = await rig.reserve(sale, z_orphan, 4, age_s=120, write_row=False)  # booking row never written
    young = await rig.reserve(sale, z_orphan, 1, write_row=False)  # in flight: its row may still come
    paid = await rig.reserve(sale, z_paid, 2)
    await rig.confirm(sale, paid)
    # Drift: hold keys deleted (a held and a paid one), counters edited, a booking row with no hold at all.
    await redis.delete(keys.hold(sale.event_id, lost), keys.hold(sale.event_id, paid))
    await redis.hincrby(keys.zone(sale.event_id, z_edit), "available", 5)
    nohold, user = str(uuid.uuid4()), str(uuid.uuid4())
    await rig.insert_row(sale, z_nohold, nohold, user, 3, f"{user}:k", now_ms(), now_ms() + 600_000)

    report = await rig.run()

    found = {(f.kind, f.hold_id or f.zone_id) for f in report.findings if not f.soft}
    assert found == {
        (Kind.HOLD_MISSING, lost),
        (Kind.CONFIRMED_HOLD_MISSING, paid),
        (Kind.COUNTERS_MISMATCH, z_edit),
        (Kind.ORPHAN_HOLD, orphan),
        (Kind.HOLD_MISSING, nohold),
        (Kind.COUNTERS_MISMATCH, z_nohold),  # the engine never counted that booking's seats
    }
    assert not any(f.repaired for f in report.findings)
    assert young not in {f.hold_id for f in report.findings}
    before = await rig.counters(sale)
    assert before[z_edit].available == 49 + 5  # report-only changed nothing

    repaired = await rig.run(apply=True)

    assert _kinds(repaired) == _kinds(report)
    assert all(f.repaired for f in repaired.findings if not f.soft)
    after = await rig.counters(sale)
    assert after[z_edit].available == 49
    assert (after[z_orphan].reserved, after[z_orphan].available) == (1, 49)  # the young hold stays
    assert (after[z_nohold].reserved, after[z_nohold].available) == (3, 47)
    assert (after[z_paid].sold, after[z_lost].reserved) == (2, 2)
    again = await rig.run()
    assert not again.drift, again.findings
    # The restored holds work like the originals: the paid one can be refunded, the held one confirmed.
    assert (await rig.engine.release(sale.event_id, paid, "cancelled")).refunded
    assert (await rig.engine.confirm(sale.event_id, nohold, "pay-1", now_ms())).quantity == 3
    assert not await redis.exists(keys.hold(sale.event_id, orphan)) or (
        await redis.hget(keys.hold(sale.event_id, orphan), "state") == "released"
    )


async def test_a_restored_hold_keeps_its_idempotency_key(rig: Rig) -> None:
    sale = await rig.sale(zones=1)
    zone = sale.zone_ids[0]
    user = str(uuid.uuid4())
    booking = await rig.reserve(sale, zone, 2, user_id=user)
    key = await rig.booking_pool.fetchval("SELECT idempotency_key FROM bookings WHERE id = $1", booking)
    await rig.engine.redis.delete(
        rig.engine.keys.hold(sale.event_id, booking), rig.engine.keys.idem(sale.event_id, key)
    )

    await rig.run(apply=True)

    retry = ReserveRequest(rig.tenant_id, user, sale.event_id, sale.show_id, zone, 2, str(uuid.uuid4()), key, now_ms())
    hold = await rig.engine.reserve(retry)
    assert (hold.hold_id, hold.replayed) == (booking, True)
    await rig.assert_consistent(sale)


async def test_a_finished_booking_with_a_held_hold_is_withdrawn(rig: Rig) -> None:
    sale = await rig.sale(zones=1)
    zone = sale.zone_ids[0]
    booking = await rig.reserve(sale, zone, 3, age_s=60)
    await rig.booking_pool.execute("UPDATE bookings SET status = 'cancelled' WHERE id = $1", booking)

    report = await rig.run(apply=True)

    assert _kinds(report) == {Kind.STALE_HOLD: 1}
    await rig.assert_consistent(sale)
    assert (await rig.counters(sale))[zone].available == sale.total


async def test_ticket_db_lag_is_soft_but_a_settled_difference_is_drift(rig: Rig) -> None:
    sale = await rig.sale(zones=1)
    await rig.reserve(sale, sale.zone_ids[0], 2)  # ticket_db's consumer is not running: it lags

    lagging = await rig.run()
    settled = await rig.run(ticket_lag_grace_s=0)

    assert (lagging.drift, lagging.by_kind(soft=True)) == (False, {Kind.TICKET_DB_LAG: 1})
    assert _kinds(settled) == {Kind.TICKET_DB_MISMATCH: 1}

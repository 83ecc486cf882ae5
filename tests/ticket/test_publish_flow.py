"""Organizer builds a catalog, publishes it, the sale appears in Redis and availability mirrors the engine."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import asyncpg
import httpx

from engine import InventoryEngine, ReserveRequest
from tests.ticket.conftest import Tenant
from tests.ticket.support import API, SHOW_BODY, build_catalog, ok, outbox

NOW_MS = 1_780_272_000_000  # 2026-06-01, inside the test show's sale window


async def test_publish_opens_sale_and_emits_snapshot(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], engine: InventoryEngine, db: asyncpg.Connection
) -> None:
    tenant = make_tenant()
    category = await ok(
        await client.post(f"{API}/categories", json={"name": "Live Music"}, headers=tenant.organizer), 201
    )
    assert category["slug"] == "live-music"
    cat = await build_catalog(client, tenant.organizer)
    await ok(await client.patch(f"{API}/events/{cat.event_id}", json={"category_id": category["id"]},
                                headers=tenant.organizer))  # fmt: skip
    assert await engine.snapshot_show(cat.event_id, cat.show_id) == {}  # nothing in Redis before publishing

    detail = await ok(await client.post(f"{API}/events/{cat.event_id}/publish", headers=tenant.admin))
    assert detail["status"] == "published" and detail["published_at"]
    snapshot = await engine.snapshot_show(cat.event_id, cat.show_id)
    assert {z: (s.total, s.available, s.active) for z, s in snapshot.items()} == {
        cat.zone_ids[0]: (10, 10, True),
        cat.zone_ids[1]: (20, 20, True),
    }

    published = await outbox(db, "event.published")
    assert len(published) == 1
    row = published[0]
    assert row["topic"] == "ticket.events" and row["partition_key"] == cat.event_id
    data = row["payload"]["data"]
    assert data["event_id"] == cat.event_id and data["tenant_id"] == tenant.id
    assert data["name"] == "Rock Night 2026" and data["venue_name"] == "Impact Arena"
    (show,) = data["shows"]
    assert show["show_id"] == cat.show_id and show["show_date"] == "2026-12-31"
    assert show["start_time"] == "19:30:00+07:00"
    assert [(z["zone_id"], z["name"], z["price"], z["currency"]) for z in show["zones"]] == [
        (cat.zone_ids[0], "Zone 0", "1000.50", "THB"),
        (cat.zone_ids[1], "Zone 1", "1001.50", "THB"),
    ]

    # Republishing is idempotent: 200, no second event.
    await ok(await client.post(f"{API}/events/{cat.event_id}/publish", headers=tenant.organizer))
    assert len(await outbox(db, "event.published")) == 1
    assert [r["event_type"] for r in await outbox(db)] == ["event.created", "show.created", "event.published"]


async def test_availability_follows_engine_and_is_cached(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], engine: InventoryEngine
) -> None:
    tenant = make_tenant()
    cat = await build_catalog(client, tenant.organizer, publish=True)
    url = f"{API}/shows/{cat.show_id}/availability"
    first = await client.get(url)
    assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=1"
    body = first.json()
    assert body["source"] == "redis" and body["event_id"] == cat.event_id
    zone = next(z for z in body["zones"] if z["zone_id"] == cat.zone_ids[0])
    assert (zone["total"], zone["available"], zone["sold_out"], zone["price"]) == (10, 10, False, "1000.50")

    hold = await engine.reserve(
        ReserveRequest(tenant.id, "u1", cat.event_id, cat.show_id, cat.zone_ids[0], 3, "h1", "k1", now_ms=NOW_MS)
    )
    assert hold.remaining == 7
    cached = (await client.get(url)).json()  # within the 1 s cache window: the same body
    assert cached == body
    client._transport.app.state.ctx.availability._entries.clear()  # type: ignore[attr-defined]
    fresh = (await client.get(url)).json()
    zone = next(z for z in fresh["zones"] if z["zone_id"] == cat.zone_ids[0])
    snap = (await engine.snapshot_show(cat.event_id, cat.show_id))[cat.zone_ids[0]]
    assert (
        (zone["available"], zone["reserved"], zone["sold"]) == (snap.available, snap.reserved, snap.sold) == (7, 3, 0)
    )


async def test_draft_availability_comes_from_database_for_staff_only(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant]
) -> None:
    tenant = make_tenant()
    cat = await build_catalog(client, tenant.organizer)
    url = f"{API}/shows/{cat.show_id}/availability"
    staff = await client.get(url, headers=tenant.organizer)
    assert staff.status_code == 200 and staff.json()["source"] == "database"
    assert staff.headers["cache-control"] == "private, no-store"
    assert all(not z["active"] and z["available"] == z["total"] for z in staff.json()["zones"])
    assert (await client.get(url)).status_code == 404
    assert (await client.get(url, headers=tenant.customer)).status_code == 404


async def test_publish_needs_an_active_zone_and_freezes_sale_fields(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], db: asyncpg.Connection
) -> None:
    tenant = make_tenant()
    h = tenant.organizer
    empty = await build_catalog(client, h, zones=0)
    refused = await client.post(f"{API}/events/{empty.event_id}/publish", headers=h)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "nothing_to_sell"
    assert await db.fetchval("SELECT status FROM events WHERE id = $1", empty.event_id) == "draft"
    assert await outbox(db, "event.published") == []

    cat = await build_catalog(client, h, publish=True, name="Another")
    zone_url = f"{API}/zones/{cat.zone_ids[0]}"
    for change in ({"price": "1.00"}, {"total_seats": 5}, {"max_per_order": 2}, {"is_active": False}):
        answer = await client.patch(zone_url, json=change, headers=h)
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "event_published", change
    renamed = await ok(await client.patch(zone_url, json={"name": "Gold", "color": "#FFD700"}, headers=h))
    assert renamed["name"] == "Gold" and Decimal(renamed["price"]) == Decimal("1000.50")
    show_edit = await client.patch(f"{API}/shows/{cat.show_id}", json={"show_date": "2027-01-01"}, headers=h)
    assert show_edit.status_code == 409
    new_show = await client.post(f"{API}/events/{cat.event_id}/shows", json=SHOW_BODY, headers=h)
    assert new_show.status_code == 409
    assert (await client.delete(f"{API}/events/{cat.event_id}", headers=h)).status_code == 409


async def test_cancel_closes_sale_once(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], engine: InventoryEngine, db: asyncpg.Connection
) -> None:
    tenant = make_tenant()
    cat = await build_catalog(client, tenant.organizer, publish=True)
    for _ in range(2):
        detail = await ok(await client.post(f"{API}/events/{cat.event_id}/cancel", headers=tenant.organizer))
        assert detail["status"] == "cancelled"
    snapshot = await engine.snapshot_show(cat.event_id, cat.show_id)
    assert snapshot and not any(s.active for s in snapshot.values())
    cancelled = await outbox(db, "event.cancelled")
    assert len(cancelled) == 1 and cancelled[0]["payload"]["data"]["previous_status"] == "published"
    again = await client.post(f"{API}/events/{cat.event_id}/publish", headers=tenant.organizer)
    assert again.status_code == 409 and again.json()["error"]["code"] == "event_cancelled"


async def test_public_search_lists_published_public_events_only(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant]
) -> None:
    tenant = make_tenant()
    live = await build_catalog(client, tenant.organizer, publish=True, name="Jazz 100% Live")
    await build_catalog(client, tenant.organizer, name="Draft Jazz")
    hidden = await build_catalog(client, tenant.organizer, name="Hidden Jazz")
    await ok(await client.patch(f"{API}/events/{hidden.event_id}", json={"is_public": False}, headers=tenant.organizer))
    await ok(await client.post(f"{API}/events/{hidden.event_id}/publish", headers=tenant.organizer))

    page = await ok(await client.get(f"{API}/events", params={"tenant_id": tenant.id}))
    assert page["total"] == 1 and [e["id"] for e in page["items"]] == [live.event_id]
    found = await ok(await client.get(f"{API}/events", params={"tenant_id": tenant.id, "q": "100%", "city": "bangkok"}))
    assert found["total"] == 1
    assert (await ok(await client.get(f"{API}/events", params={"tenant_id": tenant.id, "q": "0%L"})))["total"] == 0
    in_range = {"tenant_id": tenant.id, "date_from": "2026-12-01", "date_to": "2026-12-31"}
    assert (await ok(await client.get(f"{API}/events", params=in_range)))["total"] == 1
    out_of_range = {"tenant_id": tenant.id, "date_from": "2027-01-01"}
    assert (await ok(await client.get(f"{API}/events", params=out_of_range)))["total"] == 0
    paged = await ok(await client.get(f"{API}/events", params={"tenant_id": tenant.id, "limit": 1, "offset": 1}))
    assert paged["total"] == 1 and paged["items"] == [] and paged["limit"] == 1
    # an unlisted (is_public=false) published event is still readable by id
    assert (await client.get(f"{API}/events/{hidden.event_id}")).status_code == 200

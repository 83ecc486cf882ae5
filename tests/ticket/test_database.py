"""ticket_db itself refuses impossible inventory, and outbox rows live and die with the change they describe."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import httpx
import pytest

from services.ticket import payloads
from services.ticket.rows import emit
from tests.ticket.conftest import Tenant
from tests.ticket.support import API, build_catalog, ok, outbox

IMPOSSIBLE = [
    "sold_seats = total_seats, reserved_seats = 1",
    "available_seats = total_seats + 1",
    "available_seats = -1",
    "reserved_seats = -1",
    "sold_seats = -1",
    "price = -0.01",
    "min_per_order = 0",
    "min_per_order = 5, max_per_order = 4",
]


@pytest.mark.parametrize("assignment", IMPOSSIBLE)
async def test_check_constraints_refuse_impossible_zones(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], db: asyncpg.Connection, assignment: str
) -> None:
    cat = await build_catalog(client, make_tenant().organizer, zones=1)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(f"UPDATE seat_zones SET {assignment} WHERE id = $1", cat.zone_ids[0])


async def test_show_counts_cannot_go_negative(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], db: asyncpg.Connection
) -> None:
    cat = await build_catalog(client, make_tenant().organizer, zones=1)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE shows SET sold_count = -1 WHERE id = $1", cat.show_id)


async def test_outbox_row_commits_or_rolls_back_with_the_change(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], db: asyncpg.Connection
) -> None:
    tenant = make_tenant()
    cat = await build_catalog(client, tenant.organizer, zones=1)
    event = await db.fetchrow("SELECT * FROM events WHERE id = $1", cat.event_id)
    before = len(await outbox(db))
    with pytest.raises(asyncpg.CheckViolationError):
        async with db.transaction():
            await emit(db, payloads.event_created(event))
            await db.execute("UPDATE seat_zones SET sold_seats = 1000000 WHERE id = $1", cat.zone_ids[0])
    assert len(await outbox(db)) == before
    with pytest.raises(RuntimeError):
        await emit(db, payloads.event_created(event))  # outside a transaction: refused


async def test_refused_api_changes_leave_no_event(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], db: asyncpg.Connection
) -> None:
    tenant = make_tenant()
    await ok(await client.post(f"{API}/events", json={"name": "Taken"}, headers=tenant.organizer), 201)
    before = await outbox(db)
    clash = await client.post(f"{API}/events", json={"name": "taken"}, headers=tenant.organizer)
    assert clash.status_code == 409
    empty = await build_catalog(client, tenant.organizer, zones=0, name="Empty")
    after_build = await outbox(db)
    assert [r["event_type"] for r in after_build[len(before) :]] == ["event.created", "show.created"]
    assert (await client.post(f"{API}/events/{empty.event_id}/publish", headers=tenant.organizer)).status_code == 409
    assert await outbox(db) == after_build
    # a committed change and its event appear together
    created = after_build[-2]
    assert created["payload"]["aggregateid"] == empty.event_id and created["topic"] == "ticket.events"
    assert created["payload"]["data"]["status"] == "draft"


async def test_capacity_never_below_sold_plus_reserved(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], db: asyncpg.Connection
) -> None:
    tenant = make_tenant()
    cat = await build_catalog(client, tenant.organizer, zones=1)  # Zone 0: 10 seats, still a draft
    await db.execute(
        "UPDATE seat_zones SET available_seats = 4, reserved_seats = 2, sold_seats = 4 WHERE id = $1", cat.zone_ids[0]
    )
    url = f"{API}/zones/{cat.zone_ids[0]}"
    refused = await client.patch(url, json={"total_seats": 5}, headers=tenant.organizer)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "capacity_below_committed"
    grown = await ok(await client.patch(url, json={"total_seats": 12}, headers=tenant.organizer))
    assert (grown["available_seats"], grown["reserved_seats"], grown["sold_seats"]) == (6, 2, 4)
    assert await db.fetchval("SELECT total_capacity FROM shows WHERE id = $1", cat.show_id) == 12
    (update,) = await outbox(db, "zone.inventory.updated")
    assert update["topic"] == "ticket.inventory" and update["partition_key"] == cat.zone_ids[0]
    assert update["payload"]["data"]["total_seats"] == 12

"""POST /api/v1/bookings: the hold, the row, the outbox event, the refusals, idempotency, persistence failure."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

import asyncpg
import httpx

from engine import InventoryEngine
from services.booking.app import create_app
from services.booking.reserve import CODE_ALPHABET
from services.booking.settings import Settings
from tests.booking.conftest import Api
from tests.booking.support import Sale, count, new_id, outbox_events
from tests.support.asgi import running_app

URL = "/api/v1/bookings"


async def _reserve(
    api: Api, sale: Sale, user: str, key: str, quantity: int = 2, zone_id: str | None = None
) -> httpx.Response:
    headers = {**api.auth(user, sale.tenant_id), "Idempotency-Key": key}
    return await api.http.post(URL, json=sale.body(quantity, zone_id), headers=headers)


async def test_reserve_holds_seats_stores_booking_and_outbox_event(
    api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str
) -> None:
    user = new_id()
    response = await _reserve(api, sale, user, "k-1", quantity=3)
    assert response.status_code == 201, response.text
    booking = response.json()
    assert "Idempotent-Replayed" not in response.headers
    assert booking["status"] == "reserved"
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{8}}", booking["confirmation_code"])
    assert booking["unit_price"] == "1500.00" and booking["total_amount"] == "4500.00"
    assert booking["event_name"] == "Rush Live 2026" and booking["zone_name"] == "VIP"
    assert booking["venue_name"] == "Impact Arena" and booking["show_time"] == "19:30:00+07:00"
    reserved_at = datetime.fromisoformat(booking["reserved_at"])
    expires_at = datetime.fromisoformat(booking["expires_at"])
    assert abs((expires_at - reserved_at).total_seconds() - 600) < 1  # default hold TTL

    snapshot = (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id]
    assert (snapshot.available, snapshot.reserved) == (7, 3)

    stored = await api.http.get(f"{URL}/{booking['id']}", headers=api.auth(user, sale.tenant_id))
    assert stored.json() == booking
    [event] = await outbox_events(booking_dsn, "booking.reserved")
    assert event["aggregateid"] == booking["id"] and event["aggregatetype"] == "booking"
    assert event["tenantid"] == sale.tenant_id and event["source"] == "booking-service"
    assert event["data"] == {
        "booking_id": booking["id"],
        "tenant_id": sale.tenant_id,
        "user_id": user,
        "event_id": sale.event_id,
        "show_id": sale.show_id,
        "zone_id": sale.zone_id,
        "quantity": 3,
        "unit_price": "1500.00",
        "total_amount": "4500.00",
        "currency": "THB",
        "status": "reserved",
        "previous_status": None,
        "reserved_at": reserved_at.isoformat(),
        "expires_at": expires_at.isoformat(),
        "payment_id": None,
        "idempotency_key": f"{user}:k-1",
    }
    conn = await asyncpg.connect(booking_dsn)
    try:
        topic = await conn.fetchval("SELECT topic FROM outbox")
        assert topic == "booking.transactions"
    finally:
        await conn.close()


async def test_engine_refusals_write_nothing(api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str) -> None:
    user = new_id()
    assert (await _reserve(api, sale, user, "fill", quantity=2, zone_id=sale.small_zone_id)).status_code == 201
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        ({"quantity": 1, "zone_id": sale.small_zone_id}, 409, "sold_out"),
        ({"quantity": 3}, 201, None),  # brings the user to 5 of 6
        ({"quantity": 2}, 409, "limit_exceeded"),
        ({"quantity": 5}, 422, "invalid_quantity"),  # zone max_per_order is 4
        ({"quantity": 0}, 422, "invalid_quantity"),
        ({"quantity": 1, "zone_id": new_id()}, 404, "zone_not_found"),  # not in the catalog
    ]
    for n, (args, status, code) in enumerate(cases):
        before = (await count(booking_dsn, "bookings"), await count(booking_dsn, "outbox"))
        response = await _reserve(api, sale, user, f"case-{n}", **args)
        assert response.status_code == status, (args, response.text)
        if code is not None:
            assert response.json()["error"]["code"] == code
            assert (await count(booking_dsn, "bookings"), await count(booking_dsn, "outbox")) == before

    await engine.close_sale(sale.event_id)
    response = await _reserve(api, sale, new_id(), "closed", quantity=1)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "sale_closed")
    assert await count(booking_dsn, "bookings") == 2


async def test_sale_not_started_and_zone_unknown_to_engine(api: Api, engine: InventoryEngine, booking_dsn: str) -> None:
    later = Sale()
    await later.open(engine, booking_start_ms=4_000_000_000_000)
    api.ctx.catalog.put(later.detail())
    response = await _reserve(api, later, new_id(), "early")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "sale_not_started")
    unopened = Sale()  # in the catalog, never loaded into the engine
    api.ctx.catalog.put(unopened.detail())
    response = await _reserve(api, unopened, new_id(), "nosale")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "zone_not_found")
    assert await count(booking_dsn, "bookings") == 0


async def test_other_tenants_event_is_invisible(api: Api, sale: Sale) -> None:
    headers = {**api.auth(new_id(), new_id()), "Idempotency-Key": "x"}
    response = await api.http.post(URL, json=sale.body(), headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "zone_not_found")


async def test_idempotency_key_required_and_bounded(api: Api, sale: Sale) -> None:
    headers = api.auth(new_id(), sale.tenant_id)
    response = await api.http.post(URL, json=sale.body(), headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "idempotency_key_required")
    response = await api.http.post(URL, json=sale.body(), headers={**headers, "Idempotency-Key": "k" * 256})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "idempotency_key_invalid")
    assert (await api.http.post(URL, json=sale.body(), headers={**headers, "Idempotency-Key": "k" * 255})).is_success


async def test_concurrent_identical_requests_make_one_booking(
    api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str
) -> None:
    user = new_id()
    responses = await asyncio.gather(*(_reserve(api, sale, user, "same-key") for _ in range(10)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1  # byte-identical bodies
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 9
    assert await count(booking_dsn, "bookings") == 1 and await count(booking_dsn, "outbox") == 1
    assert (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id].reserved == 2

    # Later replays return the ORIGINAL response even after the booking moved on (cancelled here).
    booking_id = responses[0].json()["id"]
    await api.http.post(f"{URL}/{booking_id}/cancel", headers=api.auth(user, sale.tenant_id))
    again = await _reserve(api, sale, user, "same-key")
    assert (again.status_code, again.content) == (201, responses[0].content)
    assert again.headers["Idempotent-Replayed"] == "true"
    # Another user's identical key is a different key.
    other = await _reserve(api, sale, new_id(), "same-key")
    assert other.status_code == 201 and other.json()["id"] != booking_id


async def test_same_key_different_body_is_refused(api: Api, sale: Sale, booking_dsn: str) -> None:
    user = new_id()
    first = await _reserve(api, sale, user, "reuse", quantity=2)
    for args, fields in (({"quantity": 3}, ["quantity"]), ({"zone_id": sale.small_zone_id}, ["zone_id"])):
        response = await _reserve(api, sale, user, "reuse", **args)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "idempotency_key_reused"
        assert error["details"] == {"booking_id": first.json()["id"], "conflicting_fields": fields}
    # The same key for ANOTHER event: the engine cannot know (its records are per event); the table does.
    other = Sale(tenant_id=sale.tenant_id)
    await other.open(api.ctx.engine)
    api.ctx.catalog.put(other.detail())
    response = await _reserve(api, other, user, "reuse", quantity=2)
    assert (response.status_code, response.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert response.json()["error"]["details"]["conflicting_fields"] == ["event_id", "show_id", "zone_id"]
    snapshot = (await api.ctx.engine.snapshot_show(other.event_id, other.show_id))[other.zone_id]
    assert snapshot.available == 10  # the hold it briefly took was given back
    assert await count(booking_dsn, "bookings") == 1


async def test_persistence_failure_releases_the_hold(
    api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str
) -> None:
    conn = await asyncpg.connect(booking_dsn)
    try:
        await conn.execute("ALTER TABLE outbox RENAME TO outbox_gone")
        user = new_id()
        response = await _reserve(api, sale, user, "fails", quantity=4)
        assert (response.status_code, response.json()["error"]["code"]) == (503, "booking_unavailable")
        snapshot = (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id]
        assert (snapshot.available, snapshot.reserved) == (10, 0)
        assert await count(booking_dsn, "bookings") == 0
        await conn.execute("ALTER TABLE outbox_gone RENAME TO outbox")
        # The retry (same key) reserves afresh: the failed attempt left no idempotency record behind.
        retry = await _reserve(api, sale, user, "fails", quantity=4)
        assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
        assert (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id].reserved == 4
    finally:
        await conn.close()


async def test_group_commit_coalesces_concurrent_reserves(api: Api, sale: Sale, booking_dsn: str) -> None:
    stats = api.ctx.writer.stats
    before = stats.transactions
    responses = await asyncio.gather(*(_reserve(api, sale, new_id(), "gc", quantity=1) for _ in range(10)))
    assert [r.status_code for r in responses] == [201] * 10
    assert stats.transactions - before < 10 and stats.largest > 1
    assert await count(booking_dsn, "bookings") == 10 and await count(booking_dsn, "outbox") == 10


async def test_duplicates_across_processes_make_one_booking(
    api: Api, sale: Sale, settings: Settings, booking_dsn: str
) -> None:
    """A second app instance (another worker process) gets the engine's replay and must read the row from
    PostgreSQL written by the first one."""
    user = new_id()
    other_app = create_app(settings)
    async with running_app(other_app) as other:
        other_app.state.ctx.catalog.put(sale.detail())
        headers = {**api.auth(user, sale.tenant_id), "Idempotency-Key": "two-procs"}
        responses = await asyncio.gather(
            *(client.post(URL, json=sale.body(), headers=headers) for client in (api.http, other) for _ in range(3))
        )
    assert {r.status_code for r in responses} == {201} and len({r.content for r in responses}) == 1
    assert await count(booking_dsn, "bookings") == 1

"""Idempotency-Key through the gateway, with booking-service running several worker processes: concurrent
duplicates make one booking, a replay answers the original 201, another body under the key is 422."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.saga import payment_for, reserve, reserve_body, wait_counts
from tests.support.system import new_tenant


@pytest.fixture
async def client(running_system: str) -> AsyncIterator[httpx.AsyncClient]:
    # Enough connections for every concurrent request to be in flight at once (each its own nginx upstream call).
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=running_system, timeout=30, limits=limits) as http:
        yield http


async def test_concurrent_duplicates_make_exactly_one_booking(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([20, 5])
    buyer = await tenant.customer()
    key = f"dup-{uuid.uuid4().hex}"

    responses = await asyncio.gather(*(reserve(client, buyer, sale, 2, key=key) for _ in range(10)))

    created = [r for r in responses if r.status_code == 201]
    # Losers that could not see the winner's row in time may get the documented retryable 409.
    in_progress = [r for r in responses if r.status_code == 409]
    assert len(created) + len(in_progress) == 10, [(r.status_code, r.text) for r in responses]
    assert created, "no request got the booking"
    assert all(r.json()["error"]["code"] == "idempotency_key_in_progress" for r in in_progress)
    assert len({r.json()["id"] for r in created}) == 1
    assert len({r.content for r in created}) == 1  # replays are byte-identical to the original
    booking_id = created[0].json()["id"]

    listed = await client.get("/api/v1/bookings", headers=buyer.headers)
    assert [item["id"] for item in listed.json()["items"]] == [booking_id]
    await wait_counts(client, sale, sale.zone_ids[0], (18, 2, 0))
    assert (await payment_for(client, buyer, booking_id))["booking_id"] == booking_id

    replay = await reserve(client, buyer, sale, 2, key=key)
    assert replay.status_code == 201, replay.text
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == created[0].content

    reused = await reserve(client, buyer, sale, 3, key=key)
    assert reused.status_code == 422, reused.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert reused.json()["error"]["details"]["conflicting_fields"] == ["quantity"]
    reused = await reserve(client, buyer, sale, 2, key=key, zone=1)  # another zone that exists
    assert reused.status_code == 422, reused.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    unknown_show = {**reserve_body(sale, 2), "show_id": str(uuid.uuid4())}  # a body the catalog refuses
    reused = await client.post("/api/v1/bookings", headers={**buyer.headers, "Idempotency-Key": key}, json=unknown_show)
    assert reused.status_code == 422, reused.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"

    # Still one booking, still two seats held.
    listed = await client.get("/api/v1/bookings", headers=buyer.headers)
    assert [item["id"] for item in listed.json()["items"]] == [booking_id]
    await wait_counts(client, sale, sale.zone_ids[0], (18, 2, 0))


async def test_keys_are_scoped_per_user(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([10])
    first, second = await tenant.customer(), await tenant.customer()
    key = f"shared-{uuid.uuid4().hex}"
    one = await reserve(client, first, sale, 1, key=key)
    two = await reserve(client, second, sale, 1, key=key)
    assert one.status_code == two.status_code == 201, (one.text, two.text)
    assert one.json()["id"] != two.json()["id"]
    assert "Idempotent-Replayed" not in two.headers
    await wait_counts(client, sale, sale.zone_ids[0], (8, 2, 0))

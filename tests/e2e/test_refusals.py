"""Refused reservations through the gateway: the documented 4xx codes in the shared JSON error body, and a
refusal never takes a seat."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.saga import reserve, reserve_body, reserve_ok, wait_counts
from tests.support.system import new_tenant


@pytest.fixture
async def client(running_system: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=running_system, timeout=30) as http:
        yield http


def error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code, body
    assert body["message"] and body["request_id"]
    return body


async def test_sold_out_and_insufficient_seats_are_409(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([3])
    first, second, third = await tenant.customer(), await tenant.customer(), await tenant.customer()
    await reserve_ok(client, first, sale, 2)
    error(await reserve(client, second, sale, 2), 409, "insufficient_seats")
    await reserve_ok(client, second, sale, 1)
    error(await reserve(client, third, sale, 1), 409, "sold_out")
    await wait_counts(client, sale, sale.zone_ids[0], (0, 3, 0))


async def test_per_user_limit_counts_holds_across_zones(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([10, 10], max_per_user=4)
    buyer = await tenant.customer()
    await reserve_ok(client, buyer, sale, 3, zone=0)
    error(await reserve(client, buyer, sale, 2, zone=1), 409, "limit_exceeded")
    await reserve_ok(client, buyer, sale, 1, zone=1)
    # Another customer has their own allowance.
    await reserve_ok(client, await tenant.customer(), sale, 4, zone=1)
    await wait_counts(client, sale, sale.zone_ids[1], (5, 5, 0))


async def test_bad_quantity_and_bad_requests_are_4xx_json(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([10], max_per_order=4)
    buyer = await tenant.customer()
    headers = {**buyer.headers, "Idempotency-Key": f"bad-{uuid.uuid4().hex}"}

    error(await reserve(client, buyer, sale, 5), 422, "invalid_quantity")  # over the zone's max_per_order
    error(await reserve(client, buyer, sale, 0), 422, "invalid_quantity")
    error(await reserve(client, buyer, sale, -1), 422, "invalid_quantity")
    not_int = {**reserve_body(sale, 1), "quantity": "2"}
    error(await client.post("/api/v1/bookings", headers=headers, json=not_int), 422, "validation_error")
    extra = {**reserve_body(sale, 1), "price": "0.01"}
    error(await client.post("/api/v1/bookings", headers=headers, json=extra), 422, "validation_error")
    missing_key = await client.post("/api/v1/bookings", headers=buyer.headers, json=reserve_body(sale, 1))
    error(missing_key, 400, "idempotency_key_required")
    unknown_zone = {**reserve_body(sale, 1), "zone_id": str(uuid.uuid4())}
    error(await client.post("/api/v1/bookings", headers=headers, json=unknown_zone), 404, "zone_not_found")
    broken = await client.post(
        "/api/v1/bookings", headers={**headers, "Content-Type": "application/json"}, content=b"{not json"
    )
    assert broken.status_code == 400, broken.text
    anonymous = await client.post("/api/v1/bookings", json=reserve_body(sale, 1))
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"]
    error(await client.get("/api/v1/bookings/not-a-uuid", headers=buyer.headers), 404, "not_found")
    error(await client.get(f"/api/v1/bookings/{uuid.uuid4()}", headers=buyer.headers), 404, "booking_not_found")
    # None of the refusals took a seat.
    await wait_counts(client, sale, sale.zone_ids[0], (10, 0, 0))


async def test_another_tenants_zone_is_not_found(client: httpx.AsyncClient) -> None:
    owner, stranger = await new_tenant(client), await new_tenant(client)
    sale = await owner.sale([5])
    outsider = await stranger.customer()
    error(await reserve(client, outsider, sale, 1), 404, "zone_not_found")
    await wait_counts(client, sale, sale.zone_ids[0], (5, 0, 0))

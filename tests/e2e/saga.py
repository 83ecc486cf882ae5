"""HTTP steps of the booking saga, shared by the e2e tests (everything goes through the gateway unless a test
passes its own client, e.g. a private booking-service process)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support.system import Actor, Sale, eventually

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


def reserve_body(sale: Sale, quantity: int, zone: int = 0) -> dict[str, Any]:
    return {"event_id": sale.event_id, "show_id": sale.show_id, "zone_id": sale.zone_ids[zone], "quantity": quantity}


async def reserve(
    client: httpx.AsyncClient, buyer: Actor, sale: Sale, quantity: int, *, zone: int = 0, key: str | None = None
) -> httpx.Response:
    headers = {**buyer.headers, "Idempotency-Key": key or f"e2e-{uuid.uuid4().hex}"}
    return await client.post("/api/v1/bookings", headers=headers, json=reserve_body(sale, quantity, zone))


async def reserve_ok(client: httpx.AsyncClient, buyer: Actor, sale: Sale, quantity: int, *, zone: int = 0) -> str:
    response = await reserve(client, buyer, sale, quantity, zone=zone)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "reserved"
    return str(body["id"])


async def booking(client: httpx.AsyncClient, actor: Actor, booking_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/bookings/{booking_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def wait_booking_status(
    client: httpx.AsyncClient, actor: Actor, booking_id: str, status: str, *, timeout_s: float = 30.0
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        body = await booking(client, actor, booking_id)
        return body if body["status"] == status else None

    found: dict[str, Any] = await eventually(probe, timeout_s=timeout_s)
    return found


async def payment_for(client: httpx.AsyncClient, actor: Actor, booking_id: str) -> dict[str, Any]:
    """The booking's payment, once the payment consumer has created it from booking.reserved."""

    async def probe() -> dict[str, Any] | None:
        listed = await client.get("/api/v1/payments", params={"booking_id": booking_id}, headers=actor.headers)
        assert listed.status_code == 200, listed.text
        items: list[dict[str, Any]] = listed.json()["items"]
        assert len(items) <= 1, items
        return items[0] if items else None

    found: dict[str, Any] = await eventually(probe)
    return found


async def wait_payment_status(client: httpx.AsyncClient, actor: Actor, booking_id: str, status: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        payment = await payment_for(client, actor, booking_id)
        return payment if payment["status"] == status else None

    found: dict[str, Any] = await eventually(probe)
    return found


async def pay(client: httpx.AsyncClient, actor: Actor, payment_id: str, card: str = GOOD_CARD) -> httpx.Response:
    return await client.post(
        f"/api/v1/payments/{payment_id}/pay",
        headers=actor.headers,
        json={"card_number": card, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
    )


async def zone_counts(client: httpx.AsyncClient, zone_id: str) -> tuple[int, int, int]:
    """ticket_db's counters for the zone (kept by the ticket-inventory consumer): (available, reserved, sold)."""
    response = await client.get(f"/api/v1/zones/{zone_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    return int(body["available_seats"]), int(body["reserved_seats"]), int(body["sold_seats"])


async def availability(client: httpx.AsyncClient, sale: Sale, zone_id: str) -> tuple[int, int, int]:
    """The engine's live counters (GET /shows/{id}/availability): (available, reserved, sold)."""
    response = await client.get(f"/api/v1/shows/{sale.show_id}/availability")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "redis", body
    zone = next(zone for zone in body["zones"] if zone["zone_id"] == zone_id)
    return int(zone["available"]), int(zone["reserved"]), int(zone["sold"])


async def wait_counts(client: httpx.AsyncClient, sale: Sale, zone_id: str, expected: tuple[int, int, int]) -> None:
    """Both views of the zone (ticket_db and the live engine) reach ``expected`` = (available, reserved, sold)."""

    async def probe() -> bool:
        db = await zone_counts(client, zone_id)
        live = await availability(client, sale, zone_id)
        return db == expected and live == expected

    try:
        await eventually(probe)
    except AssertionError:
        db, live = await zone_counts(client, zone_id), await availability(client, sale, zone_id)
        raise AssertionError(f"expected {expected}; ticket_db {db}, availability {live}") from None

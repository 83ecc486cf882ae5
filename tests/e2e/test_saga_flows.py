"""The saga's three main endings through every real process: paid and confirmed, declined and cancelled,
paid then cancelled and refunded. Each test checks both views of the seats: ticket_db (kept by the
ticket-inventory consumer from booking events) and the engine's live availability."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.saga import (
    DECLINED_CARD,
    availability,
    pay,
    payment_for,
    reserve_ok,
    wait_booking_status,
    wait_counts,
    wait_payment_status,
)
from tests.support.system import PASSWORD, new_tenant


@pytest.fixture
async def client(running_system: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=running_system, timeout=30) as http:
        yield http


async def test_register_browse_reserve_pay_confirm(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([10, 5])
    zone = sale.zone_ids[0]

    email = f"walkthrough-{tenant.slug}@e2e.dev"
    registered = await client.post(
        "/api/v1/auth/register", json={"tenant_slug": tenant.slug, "email": email, "password": PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["role"] == "customer"
    buyer = await tenant.login(email)
    me = await client.get("/api/v1/users/me", headers=buyer.headers)
    assert me.status_code == 200 and me.json()["email"] == email

    # Browse as the public does: the list finds the sale, the detail has its show and zones, availability is live.
    listed = await client.get("/api/v1/events", params={"tenant_id": tenant.tenant_id})
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [sale.event_id]
    detail = await client.get(f"/api/v1/events/{sale.event_id}")
    assert detail.status_code == 200, detail.text
    shows = detail.json()["shows"]
    assert [show["id"] for show in shows] == [sale.show_id]
    assert sorted(z["id"] for z in shows[0]["zones"]) == sorted(sale.zone_ids)
    assert await availability(client, sale, zone) == (10, 0, 0)

    booking_id = await reserve_ok(client, buyer, sale, 3)
    await wait_counts(client, sale, zone, (7, 3, 0))

    payment = await payment_for(client, buyer, booking_id)
    assert payment["status"] == "pending"
    assert payment["amount"] == "3000.00"
    paid = await pay(client, buyer, payment["id"])
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "completed"
    assert paid.json()["card_last_four"] == "4242"

    confirmed = await wait_booking_status(client, buyer, booking_id, "confirmed")
    assert confirmed["payment_id"] == payment["id"]
    assert confirmed["confirmed_at"] is not None
    await wait_counts(client, sale, zone, (7, 0, 3))
    # The other zone was never touched.
    await wait_counts(client, sale, sale.zone_ids[1], (5, 0, 0))
    mine = await client.get("/api/v1/bookings", headers=buyer.headers)
    assert [item["id"] for item in mine.json()["items"]] == [booking_id]


async def test_declined_card_cancels_the_booking_and_frees_the_seats(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([6])
    zone = sale.zone_ids[0]
    buyer = await tenant.customer()

    booking_id = await reserve_ok(client, buyer, sale, 4)
    await wait_counts(client, sale, zone, (2, 4, 0))
    payment = await payment_for(client, buyer, booking_id)

    declined = await pay(client, buyer, payment["id"], DECLINED_CARD)
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "failed"
    assert declined.json()["error_code"] == "card_declined"

    cancelled = await wait_booking_status(client, buyer, booking_id, "cancelled")
    assert cancelled["status_reason"] == "card_declined"
    assert cancelled["payment_id"] is None
    await wait_counts(client, sale, zone, (6, 0, 0))
    # A failed payment stays failed: the booking's end does not turn it into anything else.
    assert (await payment_for(client, buyer, booking_id))["status"] == "failed"
    again = await client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=buyer.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "booking_not_cancellable"


async def test_cancelling_a_paid_booking_refunds_it_and_frees_the_seats(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([5])
    zone = sale.zone_ids[0]
    buyer = await tenant.customer()

    booking_id = await reserve_ok(client, buyer, sale, 2)
    payment = await payment_for(client, buyer, booking_id)
    paid = await pay(client, buyer, payment["id"])
    assert paid.json()["status"] == "completed", paid.text
    await wait_booking_status(client, buyer, booking_id, "confirmed")
    await wait_counts(client, sale, zone, (3, 0, 2))

    cancelled = await client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=buyer.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["status_reason"] == "cancelled_by_user"

    refunded = await wait_payment_status(client, buyer, booking_id, "refunded")
    assert refunded["refund_amount"] == "2000.00"
    assert refunded["refund_reason"] == "booking_cancelled"
    assert refunded["refunded_at"] is not None
    await wait_counts(client, sale, zone, (5, 0, 0))
    # The freed seats can be sold again.
    other = await tenant.customer()
    await reserve_ok(client, other, sale, 5)
    await wait_counts(client, sale, zone, (0, 5, 0))

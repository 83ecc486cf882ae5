"""Object-level authorization through the gateway: another customer of the same tenant, or anyone of another
tenant, can neither see nor touch a booking or its payment (404, so ids cannot be probed)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.saga import GOOD_CARD, booking, pay, payment_for, reserve_ok, wait_counts
from tests.support.system import Actor, new_tenant


@pytest.fixture
async def client(running_system: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=running_system, timeout=30) as http:
        yield http


def not_found(response: httpx.Response, code: str) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == code, response.text


async def test_other_customers_cannot_read_cancel_or_pay(client: httpx.AsyncClient) -> None:
    tenant, elsewhere = await new_tenant(client), await new_tenant(client)
    sale = await tenant.sale([10])
    owner, neighbour = await tenant.customer(), await tenant.customer()
    outsiders: list[Actor] = [await elsewhere.customer(), elsewhere.organizer, elsewhere.admin]

    booking_id = await reserve_ok(client, owner, sale, 2)
    payment = await payment_for(client, owner, booking_id)

    for intruder in [neighbour, *outsiders]:
        not_found(await client.get(f"/api/v1/bookings/{booking_id}", headers=intruder.headers), "booking_not_found")
        cancel = await client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=intruder.headers)
        not_found(cancel, "booking_not_found")
        listed = await client.get("/api/v1/bookings", headers=intruder.headers)
        assert booking_id not in [item["id"] for item in listed.json()["items"]]
        read = await client.get(f"/api/v1/payments/{payment['id']}", headers=intruder.headers)
        assert read.status_code == 404, read.text
        by_booking = await client.get("/api/v1/payments", params={"booking_id": booking_id}, headers=intruder.headers)
        assert by_booking.status_code == 200 and by_booking.json()["items"] == [], by_booking.text
        paid = await pay(client, intruder, payment["id"], GOOD_CARD)
        assert paid.status_code == 404, paid.text

    # Staff of the booking's own tenant may read it but neither cancel nor pay for the customer.
    assert (await booking(client, tenant.organizer, booking_id))["id"] == booking_id
    staff_cancel = await client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=tenant.organizer.headers)
    assert staff_cancel.status_code == 403, staff_cancel.text
    assert staff_cancel.json()["error"]["code"] == "not_booking_owner"
    staff_pay = await pay(client, tenant.admin, payment["id"], GOOD_CARD)
    assert staff_pay.status_code == 403, staff_pay.text

    # Nothing the intruders did changed anything.
    assert (await booking(client, owner, booking_id))["status"] == "reserved"
    assert (await payment_for(client, owner, booking_id))["status"] == "pending"
    await wait_counts(client, sale, sale.zone_ids[0], (8, 2, 0))

"""Smoke: the happy path of the saga over HTTP through the gateway, with every process running."""

from __future__ import annotations

import httpx

from tests.support.system import eventually, new_tenant


async def test_reserve_pay_confirm_and_ticket_db_shows_the_seats_sold(running_system: str) -> None:
    async with httpx.AsyncClient(base_url=running_system, timeout=30) as client:
        tenant = await new_tenant(client)
        sale = await tenant.sale([10])
        buyer = await tenant.customer()
        reserved = await client.post(
            "/api/v1/bookings",
            headers={**buyer.headers, "Idempotency-Key": "smoke-1"},
            json={"event_id": sale.event_id, "show_id": sale.show_id, "zone_id": sale.zone_ids[0], "quantity": 2},
        )
        assert reserved.status_code == 201, reserved.text
        booking_id = reserved.json()["id"]

        async def payment() -> str | None:
            listed = await client.get(f"/api/v1/payments?booking_id={booking_id}", headers=buyer.headers)
            items = listed.json().get("items", []) if listed.status_code == 200 else []
            return str(items[0]["id"]) if items else None

        payment_id = await eventually(payment)
        paid = await client.post(
            f"/api/v1/payments/{payment_id}/pay",
            headers=buyer.headers,
            json={"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        )
        assert paid.json()["status"] == "completed"

        async def confirmed() -> bool:
            booking = await client.get(f"/api/v1/bookings/{booking_id}", headers=buyer.headers)
            return bool(booking.json()["status"] == "confirmed")

        await eventually(confirmed)

        async def zone_sold() -> bool:
            zone = await client.get(f"/api/v1/zones/{sale.zone_ids[0]}")
            body = zone.json()
            return bool(body["sold_seats"] == 2 and body["available_seats"] == 8)

        await eventually(zone_sold)

"""Object-level authorization: only the owner pays; owner or same-tenant staff read; everyone else sees nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.payment.support import Harness


async def test_owner_reads_by_id_and_by_booking(harness: Harness) -> None:
    payment_id, booking_id = await harness.reserve()
    by_id = await harness.client.get(f"/api/v1/payments/{payment_id}", headers=harness.auth())
    assert by_id.status_code == 200
    assert (by_id.json()["status"], by_id.json()["tenant_id"]) == ("pending", harness.tenant_id)
    by_booking = await harness.client.get("/api/v1/payments", params={"booking_id": booking_id}, headers=harness.auth())
    assert by_booking.status_code == 200
    assert [item["id"] for item in by_booking.json()["items"]] == [payment_id]


@pytest.mark.parametrize("role", ["organizer", "admin"])
async def test_staff_of_the_tenant_read_but_cannot_pay(harness: Harness, role: str) -> None:
    payment_id, booking_id = await harness.reserve()
    staff = harness.auth(user_id=str(uuid.uuid4()), role=role)
    assert (await harness.client.get(f"/api/v1/payments/{payment_id}", headers=staff)).status_code == 200
    listed = await harness.client.get("/api/v1/payments", params={"booking_id": booking_id}, headers=staff)
    assert len(listed.json()["items"]) == 1
    response = await harness.pay(payment_id, headers=staff)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_payment_owner")
    assert harness.gateway.charge_calls == 0


@pytest.mark.parametrize(
    ("same_tenant", "role"),
    [(True, "customer"), (False, "customer"), (False, "admin")],
    ids=["other-customer-same-tenant", "other-tenant", "other-tenant-admin"],
)
async def test_strangers_cannot_read_or_pay(harness: Harness, same_tenant: bool, role: str) -> None:
    payment_id, booking_id = await harness.reserve()
    stranger = harness.auth(
        user_id=str(uuid.uuid4()), tenant_id=harness.tenant_id if same_tenant else str(uuid.uuid4()), role=role
    )
    read = await harness.client.get(f"/api/v1/payments/{payment_id}", headers=stranger)
    assert (read.status_code, read.json()["error"]["code"]) == (404, "payment_not_found")
    listed = await harness.client.get("/api/v1/payments", params={"booking_id": booking_id}, headers=stranger)
    assert (listed.status_code, listed.json()["items"]) == (200, [])
    paid = await harness.pay(payment_id, headers=stranger)
    assert (paid.status_code, paid.json()["error"]["code"]) == (404, "payment_not_found")
    assert harness.gateway.charge_calls == 0


async def test_owner_with_a_token_for_another_tenant_cannot_pay(harness: Harness) -> None:
    payment_id, _ = await harness.reserve()
    wrong_tenant = harness.auth(tenant_id=str(uuid.uuid4()))
    assert (await harness.pay(payment_id, headers=wrong_tenant)).status_code == 404
    assert harness.gateway.charge_calls == 0


async def test_requests_without_a_valid_token_are_401(harness: Harness) -> None:
    payment_id, _ = await harness.reserve()
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = await harness.client.get(f"/api/v1/payments/{payment_id}", headers=headers)
        assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_token")
        assert (await harness.pay(payment_id, headers=headers)).status_code == 401
    assert harness.gateway.charge_calls == 0

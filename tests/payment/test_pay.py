"""POST /api/v1/payments/{id}/pay against real PostgreSQL with the simulated gateway."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.payment.support import CVC, DECLINED, DELAYED, INSUFFICIENT, SUCCESS, Harness, booking_event, deliver


async def _wait_for_status(harness: Harness, payment_id: str, status: str, timeout_s: float = 3.0) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            response = await harness.client.get(f"/api/v1/payments/{payment_id}", headers=harness.auth())
            if response.json()["status"] == status:
                return
            await asyncio.sleep(0.02)


async def test_successful_payment_completes_with_events_in_order(harness: Harness) -> None:
    payment_id, booking_id = await harness.reserve(total_amount="1500.00")
    response = await harness.pay(payment_id, cardholder_name="Somchai J.")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == payment_id
    assert body["booking_id"] == booking_id
    assert (body["status"], body["amount"], body["currency"]) == ("completed", "1500.00", "THB")
    assert (body["card_last_four"], body["card_brand"], body["gateway"]) == ("4242", "visa", "simulated")
    assert body["completed_at"] is not None
    row = await harness.pool.fetchrow("SELECT * FROM payments WHERE id = $1", payment_id)
    assert row is not None
    assert row["gateway_charge_id"].startswith("sim_ch_")
    assert row["gateway_payment_id"].startswith("sim_pi_")
    assert row["gateway_response"]["status"] == "succeeded"

    payloads = await harness.outbox(payment_id)
    assert [p["type"] for p in payloads] == ["payment.initiated", "payment.processing", "payment.completed"]
    completed = payloads[-1]["data"]
    assert {k: completed[k] for k in ("payment_id", "booking_id", "tenant_id", "user_id", "amount", "status")} == {
        "payment_id": payment_id,
        "booking_id": booking_id,
        "tenant_id": harness.tenant_id,
        "user_id": harness.user_id,
        "amount": "1500.00",
        "status": "completed",
    }
    # Paying again is idempotent: the current state, no second charge, no new event.
    again = await harness.pay(payment_id)
    assert (again.status_code, again.json()["status"]) == (200, "completed")
    assert len(harness.gateway.charges) == 1
    assert harness.gateway.charge_calls == 1
    assert len(await harness.outbox(payment_id)) == 3


@pytest.mark.parametrize(
    ("number", "code"), [(DECLINED, "card_declined"), (INSUFFICIENT, "insufficient_funds")], ids=["declined", "nsf"]
)
async def test_refused_card_fails_the_payment(harness: Harness, number: str, code: str) -> None:
    payment_id, booking_id = await harness.reserve()
    response = await harness.pay(payment_id, number)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["error_code"]) == ("failed", code)
    assert body["error_message"]
    payloads = await harness.outbox(payment_id)
    assert [p["type"] for p in payloads] == ["payment.initiated", "payment.processing", "payment.failed"]
    failed = payloads[-1]["data"]
    assert (failed["error_code"], failed["booking_id"], failed["status"]) == (code, booking_id, "failed")
    # A failed payment is final: paying again (even with a good card) charges nothing.
    again = await harness.pay(payment_id, SUCCESS)
    assert again.json()["status"] == "failed"
    assert harness.gateway.charge_calls == 1


async def test_processing_delay_is_visible_as_processing(harness: Harness) -> None:
    payment_id, _ = await harness.reserve()
    paying = asyncio.create_task(harness.pay(payment_id, DELAYED))
    await _wait_for_status(harness, payment_id, "processing")
    response = await paying
    assert response.json()["status"] == "completed"


@pytest.mark.parametrize("number", [SUCCESS, DELAYED], ids=["instant", "delayed"])
async def test_concurrent_pay_calls_charge_once(harness: Harness, number: str) -> None:
    payment_id, _ = await harness.reserve()
    responses = await asyncio.gather(*(harness.pay(payment_id, number) for _ in range(10)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert {r.json()["status"] for r in responses} <= {"processing", "completed"}
    assert harness.gateway.charge_calls == 1
    assert await harness.event_types(payment_id) == ["payment.initiated", "payment.processing", "payment.completed"]


async def test_paying_after_the_hold_deadline_is_refused_without_charging(harness: Harness) -> None:
    payment_id, _ = await harness.reserve(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    response = await harness.pay(payment_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "hold_expired"
    assert harness.gateway.charge_calls == 0
    assert await harness.pool.fetchval("SELECT status FROM payments WHERE id = $1", payment_id) == "pending"


async def test_cancellation_during_the_charge_refunds_it(harness: Harness) -> None:
    payment_id, booking_id = await harness.reserve()
    paying = asyncio.create_task(harness.pay(payment_id, DELAYED))
    await _wait_for_status(harness, payment_id, "processing")
    cancel = booking_event(
        "booking.expired", booking_id=booking_id, user_id=harness.user_id, tenant_id=harness.tenant_id
    )
    assert await deliver(harness.pool, harness.saga, cancel)
    body = (await paying).json()
    assert (body["status"], body["refund_reason"]) == ("refunded", "cancelled_during_charge")
    assert len(harness.gateway.refunds) == 1
    assert await harness.event_types(payment_id) == ["payment.initiated", "payment.processing", "payment.refunded"]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value.keys(), *(s for v in value.values() for s in _strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


async def test_card_number_and_cvc_are_never_stored(harness: Harness) -> None:
    payment_id, _ = await harness.reserve()
    paid = await harness.pay(payment_id, "4242 4242 4242 4242", cvc=CVC, headers={**harness.auth()})
    assert paid.status_code == 200
    declined_id, _ = await harness.reserve()
    await harness.pay(declined_id, DECLINED)

    for pid in (payment_id, declined_id):
        row_text = await harness.pool.fetchval("SELECT p::text FROM payments p WHERE id = $1", pid)
        assert "4242424242424242" not in row_text and "4000000000000002" not in row_text
        row = await harness.pool.fetchrow("SELECT * FROM payments WHERE id = $1", pid)
        assert row is not None
        values = _strings(dict(row))
        assert CVC not in values and "cvc" not in values and "card_number" not in values
        for payload in await harness.outbox(pid):
            strings = _strings(payload)
            assert not any(SUCCESS in s or DECLINED in s for s in strings)
            assert CVC not in strings and "cvc" not in strings and "card_number" not in strings
    assert await harness.pool.fetchval("SELECT card_last_four FROM payments WHERE id = $1", payment_id) == "4242"


async def test_idempotency_key_header(harness: Harness) -> None:
    first, _ = await harness.reserve()
    second, _ = await harness.reserve()
    key = {"Idempotency-Key": f"checkout-{uuid.uuid4()}"}
    assert (await harness.pay(first, headers={**harness.auth(), **key})).json()["status"] == "completed"
    assert (await harness.pay(first, headers={**harness.auth(), **key})).json()["status"] == "completed"
    reused = await harness.pay(second, headers={**harness.auth(), **key})
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert await harness.pool.fetchval("SELECT status FROM payments WHERE id = $1", second) == "pending"
    too_long = await harness.pay(second, headers={**harness.auth(), "Idempotency-Key": "k" * 300})
    assert (too_long.status_code, too_long.json()["error"]["code"]) == (400, "invalid_idempotency_key")
    assert harness.gateway.charge_calls == 1


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"card_number": "4242424242424241"}, 422, "invalid_card"),
        ({"card_number": "not a card"}, 422, "invalid_card"),
        ({"exp_year": 2001}, 422, "card_expired"),
        ({"exp_month": 13}, 422, "validation_error"),
        ({"cvc": "12"}, 422, "validation_error"),
        ({"pin": "1234"}, 422, "validation_error"),
    ],
    ids=["luhn", "letters", "expired", "month", "cvc", "extra-field"],
)
async def test_bad_card_input_is_a_4xx_and_charges_nothing(
    harness: Harness, overrides: dict[str, Any], status: int, code: str
) -> None:
    payment_id, _ = await harness.reserve()
    body = {"card_number": SUCCESS, "exp_month": 12, "exp_year": datetime.now(UTC).year + 1, "cvc": CVC, **overrides}
    response = await harness.client.post(f"/api/v1/payments/{payment_id}/pay", json=body, headers=harness.auth())
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert "4242424242424241" not in response.text  # inputs are never echoed
    assert harness.gateway.charge_calls == 0
    assert await harness.pool.fetchval("SELECT status FROM payments WHERE id = $1", payment_id) == "pending"

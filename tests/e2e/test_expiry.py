"""A hold that is not paid expires: the running expiry worker sweeps it, the booking becomes expired, the seats
come back in the engine and (through booking.expired) in ticket_db, and the pending payment is cancelled.

The running booking-service holds seats for 10 minutes, so this test starts a SECOND booking-service process with
a 2 s hold (same databases, same engine prefix, same JWT key) and reserves through it directly. Everything else
is the production processes: the expiry worker, relays and consumers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from deploy import processes
from tests.e2e.saga import pay, payment_for, reserve_ok, wait_booking_status, wait_counts, wait_payment_status
from tests.support.system import eventually, new_tenant

HOLD_TTL_S = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def short_hold_booking_service(running_system: str) -> Iterator[str]:
    port = _free_port()
    env = {
        **processes.base_environment(os.environ),
        "BR_BOOKING_PORT": str(port),
        "BR_BOOKING_WORKERS": "1",
        "BR_BOOKING_HOLD_TTL_S": str(HOLD_TTL_S),
    }
    log = (processes.LOG_DIR / "e2e-booking-short-hold.log").open("ab")  # one file, appended per run
    process = subprocess.Popen(
        [sys.executable, "-m", "services.booking"],
        cwd=processes.REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not processes._healthy(f"{url}/healthz"):
            assert process.poll() is None, f"booking-service exited; see {log.name}"
            assert time.monotonic() < deadline, "booking-service did not become healthy"
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # only the process group this fixture started
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture
async def client(running_system: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=running_system, timeout=30) as http:
        yield http


async def test_unpaid_hold_expires_and_the_seats_come_back(
    client: httpx.AsyncClient, short_hold_booking_service: str
) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([4])
    zone = sale.zone_ids[0]
    buyer = await tenant.customer()

    async with httpx.AsyncClient(base_url=short_hold_booking_service, timeout=30) as short_hold:
        booking_id = await reserve_ok(short_hold, buyer, sale, 3)
    payment = await payment_for(client, buyer, booking_id)  # booking.reserved reached payment-service
    assert payment["status"] == "pending"

    expired = await wait_booking_status(client, buyer, booking_id, "expired")
    assert expired["status_reason"] == "hold_expired"
    await wait_counts(client, sale, zone, (4, 0, 0))
    # booking.expired reached payment-service too: the payment can no longer be made.
    await wait_payment_status(client, buyer, booking_id, "cancelled")
    late = await pay(client, buyer, payment["id"])
    assert late.status_code == 409, late.text
    assert late.json()["error"]["code"] in ("hold_expired", "payment_cancelled")
    cancel = await client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=buyer.headers)
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "booking_not_cancellable"

    # The seats really are sellable again, to someone else, through the production booking-service.
    other = await tenant.customer()
    await reserve_ok(client, other, sale, 4)

    async def sold_out() -> bool:
        body = (await client.get(f"/api/v1/shows/{sale.show_id}/availability")).json()
        return bool(body["zones"][0]["sold_out"])

    await eventually(sold_out)

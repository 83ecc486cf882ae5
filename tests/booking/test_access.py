"""Reading, listing and cancelling bookings: ownership (BOLA), pagination, cancel semantics, API surface."""

from __future__ import annotations

from typing import Any

from engine import InventoryEngine
from services.booking.consumer import PaymentSaga
from services.booking.store import transaction
from services.shared.envelope import EventEnvelope
from tests.booking.conftest import Api
from tests.booking.support import Sale, new_id, outbox_events

URL = "/api/v1/bookings"


async def _book(api: Api, sale: Sale, user: str, key: str, quantity: int = 1) -> dict[str, Any]:
    headers = {**api.auth(user, sale.tenant_id), "Idempotency-Key": key}
    response = await api.http.post(URL, json=sale.body(quantity), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_list_is_mine_newest_first_and_paginated(api: Api, sale: Sale) -> None:
    user = new_id()
    ids = [(await _book(api, sale, user, f"k{n}"))["id"] for n in range(3)]
    await _book(api, sale, new_id(), "someone-else")
    headers = api.auth(user, sale.tenant_id)
    first = (await api.http.get(URL, params={"limit": 2}, headers=headers)).json()
    assert [b["id"] for b in first["items"]] == ids[::-1][:2] and first["next_offset"] == 2
    second = (await api.http.get(URL, params={"limit": 2, "offset": 2}, headers=headers)).json()
    assert [b["id"] for b in second["items"]] == [ids[0]] and second["next_offset"] is None
    bad = await api.http.get(URL, params={"limit": 1000}, headers=headers)
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "validation_error")


async def test_bola_only_owner_and_staff_of_the_same_tenant_can_read(api: Api, sale: Sale) -> None:
    owner = new_id()
    booking = await _book(api, sale, owner, "mine")
    path = f"{URL}/{booking['id']}"
    for user, tenant, role in ((new_id(), sale.tenant_id, "customer"), (new_id(), new_id(), "organizer"),
                               (new_id(), new_id(), "admin")):  # fmt: skip
        headers = api.auth(user, tenant, role)
        read = await api.http.get(path, headers=headers)
        assert (read.status_code, read.json()["error"]["code"]) == (404, "booking_not_found")
        cancel = await api.http.post(f"{path}/cancel", headers=headers)
        assert (cancel.status_code, cancel.json()["error"]["code"]) == (404, "booking_not_found")
    organizer = api.auth(new_id(), sale.tenant_id, "organizer")
    assert (await api.http.get(path, headers=organizer)).json()["id"] == booking["id"]
    cancel = await api.http.post(f"{path}/cancel", headers=organizer)
    assert (cancel.status_code, cancel.json()["error"]["code"]) == (403, "not_booking_owner")
    unknown = await api.http.get(f"{URL}/{new_id()}", headers=organizer)
    assert unknown.status_code == 404
    assert (await api.http.get(f"{URL}/not-a-uuid", headers=organizer)).status_code == 404
    assert (await api.http.get(path)).status_code == 401


async def test_cancel_reserved_gives_seats_back(
    api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str
) -> None:
    user = new_id()
    booking = await _book(api, sale, user, "c", quantity=3)
    headers = api.auth(user, sale.tenant_id)
    response = await api.http.post(f"{URL}/{booking['id']}/cancel", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled" and response.json()["cancelled_at"]
    snapshot = (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id]
    assert (snapshot.available, snapshot.reserved) == (10, 0)
    [event] = await outbox_events(booking_dsn, "booking.cancelled")
    assert event["data"]["status"] == "cancelled" and event["data"]["previous_status"] == "reserved"
    again = await api.http.post(f"{URL}/{booking['id']}/cancel", headers=headers)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "booking_not_cancellable")


async def test_cancel_confirmed_refunds_the_sold_seats(
    api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str
) -> None:
    user = new_id()
    booking = await _book(api, sale, user, "paid", quantity=2)
    payment_id = new_id()
    data = {"booking_id": booking["id"], "payment_id": payment_id, "status": "completed"}
    completed = EventEnvelope("payment.completed", "payment-service", "payment", payment_id, data)
    async with transaction(api.ctx.pool) as conn:
        await PaymentSaga(engine).on_completed(conn, completed)
    assert (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id].sold == 2
    response = await api.http.post(f"{URL}/{booking['id']}/cancel", headers=api.auth(user, sale.tenant_id))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    snapshot = (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id]
    assert (snapshot.available, snapshot.sold) == (10, 0)
    [event] = await outbox_events(booking_dsn, "booking.cancelled")
    assert event["data"]["previous_status"] == "confirmed" and event["data"]["payment_id"] == payment_id


async def test_openapi_documents_every_route(api: Api) -> None:
    doc = (await api.http.get("/openapi.json")).json()
    paths = doc["paths"]
    assert set(paths) == {"/api/v1/bookings", "/api/v1/bookings/{booking_id}", "/api/v1/bookings/{booking_id}/cancel"}
    create = paths["/api/v1/bookings"]["post"]
    assert {"name": "Idempotency-Key", "in": "header", "required": True} | {
        "description": create["parameters"][0]["description"], "schema": {"type": "string"}
    } in create["parameters"]  # fmt: skip
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReserveBody")
    assert {"201", "400", "401", "404", "409", "422", "503"} <= set(create["responses"])
    schemas = doc["components"]["schemas"]
    assert {"BookingOut", "BookingList", "ReserveBody", "Error"} <= set(schemas)
    assert {"confirmation_code", "expires_at", "total_amount"} <= set(schemas["BookingOut"]["properties"])
    list_params = {p["name"] for p in paths["/api/v1/bookings"]["get"]["parameters"]}
    assert list_params == {"limit", "offset"}
    assert (await api.http.get("/readyz")).json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_bad_input_is_a_json_4xx(api: Api, sale: Sale) -> None:
    headers = {**api.auth(new_id(), sale.tenant_id), "Idempotency-Key": "bad"}
    cases = [
        (b"{not json", {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b"[1]", {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b"{}", {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        (b'{"event_id": "x", "show_id": 1, "zone_id": null, "quantity": "2"}', {}, 422, "validation_error"),
        (b'{"event_id": "%s", "show_id": "%s", "zone_id": "%s", "quantity": 1, "extra": 1}'
         % (sale.event_id.encode(), sale.show_id.encode(), sale.zone_id.encode()), {}, 422, "validation_error"),
        (b'{"event_id": "%s", "show_id": "%s", "zone_id": "%s", "quantity": 99999999999}'
         % (sale.event_id.encode(), sale.show_id.encode(), sale.zone_id.encode()), {}, 422, "invalid_quantity"),
    ]  # fmt: skip
    for content, extra, status, code in cases:
        response = await api.http.post(URL, content=content, headers={**headers, **extra})
        assert response.status_code == status, (content, response.text)
        assert response.json()["error"]["code"] == code
    token = await api.http.post(URL, json=sale.body(), headers={"Authorization": "Bearer nope", "Idempotency-Key": "x"})
    assert (token.status_code, token.json()["error"]["code"]) == (401, "invalid_token")

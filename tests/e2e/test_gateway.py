"""The gateway itself: each service's OpenAPI document at /openapi/<service>.json, and JSON errors (never nginx's
HTML pages) for routes nobody serves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

# One route each service must document (its own, routed to it by the gateway).
DOCUMENTS = {
    "auth": "/api/v1/auth/login",
    "ticket": "/api/v1/shows/{show_id}/availability",
    "booking": "/api/v1/bookings",
    "payment": "/api/v1/payments/{payment_id}/pay",
}


@pytest.fixture
async def client(running_system: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=running_system, timeout=30) as http:
        yield http


@pytest.mark.parametrize("service", sorted(DOCUMENTS))
async def test_each_services_openapi_document(client: httpx.AsyncClient, service: str) -> None:
    response = await client.get(f"/openapi/{service}.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == f"{service}-service"
    assert DOCUMENTS[service] in document["paths"], sorted(document["paths"])
    # Only this service's routes: the document is the service's own, not a merged one.
    others = {route for name, route in DOCUMENTS.items() if name != service}
    assert not others & set(document["paths"])


@pytest.mark.parametrize(
    "path", ["/nope", "/api/v1/nope", "/api/v2/bookings", "/openapi/nope.json", "/api/v1/bookings/a/b/c"]
)
async def test_unknown_routes_are_json_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"] and error["request_id"]


async def test_an_oversize_body_is_a_json_413_from_the_gateway(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/bookings", content=b"{" + b" " * 70_000 + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "payload_too_large"

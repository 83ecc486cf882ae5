"""The catalog cache and its HTTP fallback against a real (tiny, in-process) ticket-service stand-in."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.booking.app import create_app
from services.booking.catalog import Catalog, CatalogUnavailable
from services.booking.settings import Settings
from services.booking.ticket_client import CircuitBreaker, TicketClient
from services.shared.envelope import EventEnvelope
from tests.booking.conftest import Api
from tests.booking.support import Sale, count, new_id
from tests.support.asgi import running_app
from tests.support.tokens import TokenMinter


class FakeTicket:
    """A tiny Starlette app serving GET /api/v1/events/{id} like ticket-service; ``failures`` 500s come first."""

    def __init__(self, *sales: Sale) -> None:
        self.details = {sale.event_id: sale.detail() for sale in sales}
        self.failures = 0
        self.hits = 0
        self.app = Starlette(routes=[Route("/api/v1/events/{event_id}", self.event)])

    async def event(self, request: Request) -> Response:
        self.hits += 1
        await asyncio.sleep(0.02)  # long enough for concurrent misses to overlap
        if self.failures > 0:
            self.failures -= 1
            return JSONResponse({"error": {"code": "boom", "message": "boom"}}, status_code=500)
        detail = self.details.get(request.path_params["event_id"])
        if detail is None:
            return JSONResponse({"error": {"code": "event_not_found", "message": "no"}}, status_code=404)
        return JSONResponse(detail)

    def client(self, **kwargs: Any) -> TicketClient:
        return TicketClient("http://ticket", transport=httpx.ASGITransport(app=self.app), backoff_s=0.001, **kwargs)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_cold_start_fetches_each_event_once_under_a_spike(
    settings: Settings, sale: Sale, token_minter: TokenMinter, booking_dsn: str
) -> None:
    ticket = FakeTicket(sale)
    app = create_app(settings, ticket_transport=httpx.ASGITransport(app=ticket.app))
    async with running_app(app) as http:

        async def book() -> httpx.Response:
            token = token_minter.mint(user_id=new_id(), tenant_id=sale.tenant_id)
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k"}
            return await http.post("/api/v1/bookings", json=sale.body(1), headers=headers)

        responses = await asyncio.gather(*(book() for _ in range(8)))
        assert [r.status_code for r in responses] == [201] * 8
        assert responses[0].json()["zone_name"] == "VIP"
    assert ticket.hits == 1
    assert await count(booking_dsn, "bookings") == 8


async def test_unknown_event_is_404_and_remembered_briefly(sale: Sale) -> None:
    ticket = FakeTicket()
    clock = Clock()
    catalog = Catalog(ticket.client(), clock=clock, negative_ttl_s=5)
    assert await catalog.zone(sale.event_id, sale.show_id, sale.zone_id) is None
    assert await catalog.zone(sale.event_id, sale.show_id, sale.zone_id) is None
    assert ticket.hits == 1
    ticket.details[sale.event_id] = sale.detail()  # published meanwhile
    clock.now += 6
    zone = await catalog.zone(sale.event_id, sale.show_id, sale.zone_id)
    assert zone is not None and zone.zone_name == "VIP" and ticket.hits == 2
    assert await catalog.zone(sale.event_id, new_id(), sale.zone_id) is None  # zone of another show


async def test_retries_then_stale_while_revalidate(sale: Sale) -> None:
    ticket = FakeTicket(sale)
    ticket.failures = 2
    clock = Clock()
    catalog = Catalog(ticket.client(attempts=3), clock=clock, ttl_s=60)
    zone = await catalog.zone(sale.event_id, sale.show_id, sale.zone_id)
    assert zone is not None and ticket.hits == 3
    clock.now += 61
    ticket.details[sale.event_id]["shows"][0]["zones"][0]["name"] = "VIP Gold"
    stale = await catalog.zone(sale.event_id, sale.show_id, sale.zone_id)
    assert stale is not None and stale.zone_name == "VIP"  # answered at once from the stale entry
    await asyncio.sleep(0.1)  # the background refresh lands
    fresh = await catalog.zone(sale.event_id, sale.show_id, sale.zone_id)
    assert fresh is not None and fresh.zone_name == "VIP Gold" and ticket.hits == 4
    await catalog.close()


async def test_circuit_breaker_stops_calling_a_failing_ticket_service(sale: Sale) -> None:
    ticket = FakeTicket(sale)
    ticket.failures = 1000
    client = ticket.client(attempts=2, breaker=CircuitBreaker(threshold=2, reset_s=60))
    catalog = Catalog(client)
    for _ in range(2):
        with pytest.raises(CatalogUnavailable):
            await catalog.zone(sale.event_id, sale.show_id, sale.zone_id)
    assert ticket.hits == 4 and client.breaker.is_open
    with pytest.raises(CatalogUnavailable, match="circuit is open"):
        await catalog.zone(sale.event_id, sale.show_id, sale.zone_id)
    assert ticket.hits == 4
    await client.aclose()


async def test_unreachable_ticket_service_is_a_503(api: Api) -> None:
    unknown = Sale()
    headers = {**api.auth(new_id(), unknown.tenant_id), "Idempotency-Key": "k"}
    response = await api.http.post("/api/v1/bookings", json=unknown.body(), headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (503, "catalog_unavailable")


async def test_event_published_payload_primes_the_cache(sale: Sale) -> None:
    detail = sale.detail()
    data = {"event_id": detail.pop("id"), **detail}
    for show in data["shows"]:
        show["show_id"] = show.pop("id")
        for zone in show["zones"]:
            zone["zone_id"] = zone.pop("id")
    catalog = Catalog(None)
    await catalog.apply_event(EventEnvelope("event.published", "ticket-service", "event", sale.event_id, data))
    zone = await catalog.zone(sale.event_id, sale.show_id, sale.small_zone_id)
    assert zone is not None and (zone.zone_name, zone.price) == ("Side", Decimal("800.00"))
    with pytest.raises(CatalogUnavailable):  # not cached and no ticket-service to ask
        await catalog.zone(new_id(), sale.show_id, sale.zone_id)

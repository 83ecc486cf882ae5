"""The request middleware labels metrics by route template (a bounded label set) and echoes a request id."""

from __future__ import annotations

import httpx
from prometheus_client import generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from services.shared.observability import RequestContextMiddleware, ServiceMetrics


async def _hello(request: Request) -> Response:
    return PlainTextResponse("hello")


async def test_metrics_use_the_route_template_and_responses_carry_a_request_id() -> None:
    app = Starlette(routes=[Route("/items/{item_id}", _hello)])
    metrics = ServiceMetrics("demo")
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        first = await client.get("/items/1")
        await client.get("/items/2", headers={"X-Request-ID": "from-gateway"})
        await client.get("/nowhere")
    lines = [line for line in generate_latest(metrics.registry).decode().splitlines() if line.startswith("http_req")]
    totals = [line for line in lines if line.startswith("http_requests_total")]
    assert 'http_requests_total{method="GET",route="/items/{item_id}",service="demo",status="200"} 2.0' in totals
    assert 'http_requests_total{method="GET",route="unmatched",service="demo",status="404"} 1.0' in totals
    assert len(first.headers["x-request-id"]) == 32

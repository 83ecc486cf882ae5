"""The ceiling: a hello-world Starlette endpoint at the same path, served exactly like the services are
(uvicorn, uvloop, httptools, same worker count, no access log). It neither reads the body nor checks the token."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["create_app"]


async def hello(request: Request) -> Response:
    return JSONResponse({"hello": "world"}, status_code=201)


def create_app() -> Starlette:
    return Starlette(routes=[Route("/api/v1/bookings", hello, methods=["POST"]), Route("/healthz", hello)])

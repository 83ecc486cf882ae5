"""The design document's "current state" peer: one shared PostgreSQL holds the seat counts, and every request
decrements the zone row and inserts its booking in one transaction.

Same server settings as the booking-service (uvicorn + uvloop, same workers, asyncpg pool of the same size) and the
same edge work (RS256 JWT check, Idempotency-Key header, JSON body), so the comparison isolates the data path:
a row lock on one hot zone row held across a synchronous commit, versus the engine plus group commit.
Env: BENCH_NAIVE_DSN, BENCH_JWT_PUBLIC_KEY, BENCH_NAIVE_POOL_MAX.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.shared.db import create_pool
from services.shared.settings import DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER
from services.shared.tokens import InvalidToken, TokenVerifier

__all__ = ["SCHEMA", "create_app"]

# The minimal shared schema: the zone row every buyer of the zone updates, and bookings that reference it.
SCHEMA = """
CREATE TABLE seat_zones (
    id UUID PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    price DECIMAL(12, 2) NOT NULL,
    total_seats INT NOT NULL,
    available_seats INT NOT NULL CHECK (available_seats >= 0),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE TABLE bookings (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    tenant_id UUID NOT NULL,
    zone_id UUID NOT NULL REFERENCES seat_zones(id),
    quantity INT NOT NULL,
    total_amount DECIMAL(12, 2) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'reserved',
    idempotency_key VARCHAR(300) NOT NULL UNIQUE,
    created_at TIMESTAMPTZ DEFAULT NOW()
);
"""

_DECREMENT = """
UPDATE seat_zones SET available_seats = available_seats - $2, updated_at = NOW()
WHERE id = $1 AND available_seats >= $2 RETURNING price
"""
_INSERT = """
INSERT INTO bookings (id, user_id, tenant_id, zone_id, quantity, total_amount, idempotency_key)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""


def _error(status: int, code: str) -> Response:
    return Response(orjson.dumps({"error": {"code": code}}), status, media_type="application/json")


def create_app() -> Starlette:
    verifier = TokenVerifier(os.environ["BENCH_JWT_PUBLIC_KEY"], issuer=DEFAULT_JWT_ISSUER,
                             audience=DEFAULT_JWT_AUDIENCE)  # fmt: skip
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool_max = int(os.environ.get("BENCH_NAIVE_POOL_MAX", "10"))
        pools.append(await create_pool(os.environ["BENCH_NAIVE_DSN"], min_size=2, max_size=pool_max))
        try:
            yield
        finally:
            await pools[0].close()

    async def reserve(request: Request) -> Response:
        try:
            principal = verifier.principal_from_header(request.headers.get("authorization"))
        except InvalidToken:
            return _error(401, "invalid_token")
        key = request.headers.get("idempotency-key")
        if not key:
            return _error(400, "idempotency_key_required")
        try:
            body = orjson.loads(await request.body())
            zone_id, quantity = uuid.UUID(body["zone_id"]), int(body["quantity"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return _error(422, "invalid_body")
        booking_id = uuid.uuid4()
        async with pools[0].acquire() as conn, conn.transaction():
            price = await conn.fetchval(_DECREMENT, zone_id, quantity)
            if price is None:
                return _error(409, "sold_out")
            await conn.execute(_INSERT, booking_id, principal.user_id, principal.tenant_id, zone_id, quantity,
                               price * quantity, f"{principal.user_id}:{key}")  # fmt: skip
        return Response(orjson.dumps({"id": str(booking_id), "status": "reserved"}), 201, media_type="application/json")

    async def health(request: Request) -> Response:
        return Response(b"ok")

    return Starlette(routes=[Route("/api/v1/bookings", reserve, methods=["POST"]), Route("/healthz", health)],
                     lifespan=lifespan)  # fmt: skip

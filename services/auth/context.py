"""The state the lifespan builds and every handler reads (``request.app.state.ctx``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import cast

import asyncpg
from starlette.requests import Request

from services.auth.passwords import Passwords
from services.auth.settings import Settings
from services.auth.tokens import TokenIssuer

__all__ = ["AuthContext", "context"]


@dataclass(frozen=True, slots=True)
class AuthContext:
    settings: Settings
    pool: asyncpg.Pool
    passwords: Passwords
    issuer: TokenIssuer

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection typed as a Connection: the pool's proxy forwards every Connection method, and the
        shared kit (``write_outbox``) and our store functions are typed against Connection."""
        async with self.pool.acquire() as conn:
            yield cast(asyncpg.Connection, conn)


def context(request: Request) -> AuthContext:
    ctx: AuthContext = request.app.state.ctx
    return ctx

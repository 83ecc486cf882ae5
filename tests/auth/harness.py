"""An in-process auth-service on a fresh auth_db, with helpers to set up tenants and users through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from starlette.applications import Starlette

from services.auth.bootstrap import create_admin
from services.auth.context import AuthContext

PASSWORD = "correct-horse-battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Account:
    tenant_id: str
    user_id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


@dataclass
class Harness:
    client: httpx.AsyncClient
    app: Starlette
    dsn: str

    @property
    def ctx(self) -> AuthContext:
        ctx: AuthContext = self.app.state.ctx
        return ctx

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self.ctx.pool.acquire() as conn:
            return list(await conn.fetch(query, *args))

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self.ctx.pool.acquire() as conn:
            return await conn.fetchval(query, *args)

    async def login(self, tenant_slug: str, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post(
            "/api/v1/auth/login", json={"tenant_slug": tenant_slug, "email": email, "password": password}
        )

    async def account(self, tenant_slug: str, email: str, password: str = PASSWORD) -> Account:
        response = await self.login(tenant_slug, email, password)
        assert response.status_code == 200, response.text
        body = response.json()
        return Account(
            tenant_id=body["user"]["tenant_id"],
            user_id=body["user"]["id"],
            email=email,
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
        )

    async def admin(self, tenant_slug: str, *, platform: bool = False, email: str | None = None) -> Account:
        """Bootstrap ``tenant_slug`` with an admin (the CLI's code path) and log the admin in."""
        email = email or f"admin@{tenant_slug}.test"
        await create_admin(
            self.ctx.pool,
            self.ctx.passwords,
            tenant_slug=tenant_slug,
            tenant_name=tenant_slug.title(),
            email=email,
            password=PASSWORD,
            platform=platform,
        )
        return await self.account(tenant_slug, email)

    async def customer(self, tenant_slug: str, email: str) -> Account:
        response = await self.client.post(
            "/api/v1/auth/register", json={"tenant_slug": tenant_slug, "email": email, "password": PASSWORD}
        )
        assert response.status_code == 201, response.text
        return await self.account(tenant_slug, email)

    async def staff(self, admin: Account, tenant_slug: str, email: str, role: str) -> Account:
        response = await self.client.post(
            f"/api/v1/tenants/{admin.tenant_id}/users",
            json={"email": email, "password": PASSWORD, "role": role},
            headers=admin.headers,
        )
        assert response.status_code == 201, response.text
        return await self.account(tenant_slug, email)

    async def outbox(self, event_type: str | None = None) -> list[asyncpg.Record]:
        return await self.fetch(
            "SELECT event_type, topic, aggregate_id, payload FROM outbox "
            "WHERE $1::text IS NULL OR event_type = $1 ORDER BY created_at",
            event_type,
        )


def error_code(response: httpx.Response) -> str:
    body = response.json()
    code: str = body["error"]["code"]
    return code

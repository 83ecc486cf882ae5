"""auth-service: tenants, users, sessions; issues the access tokens every other service verifies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request

from services.auth import handlers_auth, handlers_tenants, handlers_users
from services.auth.context import AuthContext, context
from services.auth.models import (
    AdminUserCreate,
    AdminUserUpdate,
    ListQuery,
    LoginRequest,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    TenantCreate,
    TenantList,
    TenantOut,
    TenantUpdate,
    TokenPair,
    UserList,
    UserOut,
)
from services.auth.passwords import Passwords
from services.auth.settings import Settings
from services.auth.tokens import TokenIssuer
from services.shared.db import create_pool
from services.shared.web import Operation, create_service_app

__all__ = ["OPERATIONS", "SERVICE", "VERSION", "create_app"]

SERVICE = "auth-service"
VERSION = "0.1.0"
_V1 = "/api/v1"

OPERATIONS: tuple[Operation, ...] = (
    # --- credentials (no access token needed) ---
    Operation("POST", f"{_V1}/auth/register", handlers_auth.register, "Register a customer in a tenant",
              UserOut, RegisterRequest, status_code=201, authenticated=False, error_statuses=(403, 404, 409),
              tags=("auth",)),
    Operation("POST", f"{_V1}/auth/login", handlers_auth.login, "Log in: access token + refresh token",
              TokenPair, LoginRequest, authenticated=False, error_statuses=(401, 403), tags=("auth",)),
    Operation("POST", f"{_V1}/auth/refresh", handlers_auth.refresh, "Rotate a refresh token for a new pair",
              TokenPair, RefreshRequest, authenticated=False, error_statuses=(401,), tags=("auth",)),
    Operation("POST", f"{_V1}/auth/logout", handlers_auth.logout, "Revoke the login a refresh token belongs to",
              None, RefreshRequest, status_code=204, authenticated=False, error_statuses=(401,), tags=("auth",)),
    # --- users ---
    Operation("GET", f"{_V1}/users/me", handlers_users.get_me, "The caller's profile", UserOut,
              error_statuses=(404,), tags=("users",)),
    Operation("PATCH", f"{_V1}/users/me", handlers_users.update_me, "Update the caller's name/phone", UserOut,
              ProfileUpdate, error_statuses=(404,), tags=("users",)),
    Operation("GET", f"{_V1}/users/{{user_id}}", handlers_users.get_user,
              "A user of the caller's tenant (self or staff; internal lookups)", UserOut,
              error_statuses=(403, 404), tags=("users",)),
    Operation("PATCH", f"{_V1}/users/{{user_id}}", handlers_users.update_user,
              "Admin: change a user's name, phone, role or active flag", UserOut, AdminUserUpdate,
              error_statuses=(403, 404, 409), tags=("users",)),
    Operation("DELETE", f"{_V1}/users/{{user_id}}", handlers_users.delete_user, "Admin: soft-delete a user",
              None, status_code=204, error_statuses=(403, 404, 409), tags=("users",)),
    # --- tenants ---
    Operation("GET", f"{_V1}/tenants", handlers_tenants.list_tenants, "Admin: list tenants", TenantList,
              query_model=ListQuery, error_statuses=(403,), tags=("tenants",)),
    Operation("POST", f"{_V1}/tenants", handlers_tenants.create_tenant, "Platform admin: create a tenant",
              TenantOut, TenantCreate, status_code=201, error_statuses=(403, 409), tags=("tenants",)),
    Operation("GET", f"{_V1}/tenants/{{tenant_id}}", handlers_tenants.get_tenant, "Admin: read a tenant",
              TenantOut, error_statuses=(403, 404), tags=("tenants",)),
    Operation("PATCH", f"{_V1}/tenants/{{tenant_id}}", handlers_tenants.update_tenant, "Admin: update a tenant",
              TenantOut, TenantUpdate, error_statuses=(403, 404, 409), tags=("tenants",)),
    Operation("DELETE", f"{_V1}/tenants/{{tenant_id}}", handlers_tenants.delete_tenant,
              "Platform admin: soft-delete a tenant", None, status_code=204, error_statuses=(403, 404, 409),
              tags=("tenants",)),
    Operation("GET", f"{_V1}/tenants/{{tenant_id}}/users", handlers_users.list_tenant_users,
              "Admin: list the users of the caller's tenant", UserList, query_model=ListQuery,
              error_statuses=(403, 404), tags=("users",)),
    Operation("POST", f"{_V1}/tenants/{{tenant_id}}/users", handlers_users.create_tenant_user,
              "Admin: create a user with any role in a tenant", UserOut, AdminUserCreate, status_code=201,
              error_statuses=(403, 404, 409), tags=("users",)),
)  # fmt: skip


async def _readiness(request: Request) -> dict[str, str]:
    async with context(request).connection() as conn:
        await conn.fetchval("SELECT 1")
    return {"database": "ok"}


def create_app(settings: Settings) -> Starlette:
    # Built here, not in the lifespan, so a bad or mismatched key pair fails at start-up, before serving.
    issuer = TokenIssuer(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        passwords = await asyncio.to_thread(Passwords, settings.passwords)
        pool = await create_pool(settings.dsn.reveal(), min_size=settings.db_pool_min, max_size=settings.db_pool_max)
        try:
            app.state.ctx = AuthContext(settings=settings, pool=pool, passwords=passwords, issuer=issuer)
            yield
        finally:
            await pool.close()

    app = create_service_app(
        service=SERVICE,
        version=VERSION,
        operations=OPERATIONS,
        lifespan=lifespan,
        readiness=_readiness,
        description="Tenants, users and sessions; issues RS256 (RSA) access tokens and rotating refresh tokens.",
    )
    app.state.token_verifier = issuer.verifier
    return app

"""POST /api/v1/auth/register|login|refresh|logout."""

from __future__ import annotations

import enum
import ipaddress

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from services.auth import store_sessions, store_tenants, store_users
from services.auth.context import AuthContext, context
from services.auth.events import emit_user
from services.auth.models import LoginRequest, RefreshRequest, RegisterRequest, TokenPair, UserOut
from services.auth.tokens import hash_refresh_token, new_refresh_token
from services.shared.errors import Conflict, Forbidden, NotFound, Unauthorized
from services.shared.web import json_response, read_json

__all__ = ["login", "logout", "refresh", "register"]

_USER_AGENT_MAX = 512


def _client(request: Request) -> tuple[str | None, str | None]:
    agent = request.headers.get("user-agent")
    host = request.client.host if request.client else None
    try:
        ip = str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        ip = None  # e.g. a unix socket peer or test transport name; INET would reject it
    return (agent[:_USER_AGENT_MAX] if agent else None), ip


async def _find_tenant(conn: asyncpg.Connection, body: RegisterRequest | LoginRequest) -> asyncpg.Record | None:
    if body.tenant_id is not None:
        return await store_tenants.get_tenant(conn, str(body.tenant_id))
    assert body.tenant_slug is not None
    return await store_tenants.get_tenant_by_slug(conn, body.tenant_slug)


async def register(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request, RegisterRequest)
    # Hash before taking a connection: the pool should not sit idle for the tens of milliseconds Argon2 takes.
    password_hash = await ctx.passwords.hash(body.password)
    async with ctx.connection() as conn, conn.transaction():
        found = await _find_tenant(conn, body)
        tenant = await store_tenants.lock_tenant(conn, str(found["id"])) if found else None
        if tenant is None:
            raise NotFound("no such tenant", code="tenant_not_found")
        if not tenant["is_active"]:
            raise Forbidden("this tenant is not active", code="tenant_inactive")
        try:
            row = await store_users.insert_user(
                conn,
                tenant_id=str(tenant["id"]),
                email=body.email,
                password_hash=password_hash,
                name=body.name,
                phone=body.phone,
                role="customer",  # self-registration never grants staff roles
            )
        except asyncpg.UniqueViolationError:
            # Raising out of the transaction rolls it back: a refused registration leaves no outbox row.
            raise Conflict("this email is already registered in this tenant", code="email_taken") from None
        await emit_user(conn, "user.created", row)
    return json_response(UserOut.model_validate(dict(row)), status_code=201)


def _invalid_credentials() -> Unauthorized:
    # One error for unknown tenant, unknown email and wrong password: the response must not reveal which.
    return Unauthorized("email or password is incorrect", code="invalid_credentials")


async def login(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request, LoginRequest)
    async with ctx.connection() as conn:
        tenant = await _find_tenant(conn, body)
        user = await store_users.get_user_for_login(conn, str(tenant["id"]), body.email) if tenant else None
    # Always run one Argon2 verification (against a dummy hash when there is no user) so timing is uniform.
    result = await ctx.passwords.verify(user["password_hash"] if user else None, body.password)
    if user is None or tenant is None or not result.ok:
        raise _invalid_credentials()
    # Only now, with a correct password, may the caller learn why the account cannot be used.
    if not tenant["is_active"]:
        raise Forbidden("this tenant is not active", code="tenant_inactive")
    if not user["is_active"]:
        raise Forbidden("this account is disabled", code="account_disabled")
    new_hash = await ctx.passwords.hash(body.password) if result.needs_rehash else None
    user_agent, ip = _client(request)
    refresh_token = new_refresh_token()
    async with ctx.connection() as conn, conn.transaction():
        if new_hash is not None:
            await store_users.set_password_hash(conn, str(user["id"]), new_hash)
        await store_sessions.create_session(
            conn,
            user_id=str(user["id"]),
            tenant_id=str(tenant["id"]),
            family_id=None,
            token_hash=hash_refresh_token(refresh_token),
            user_agent=user_agent,
            ip_address=ip,
            ttl_s=ctx.settings.refresh_token_ttl_s,
        )
    return json_response(_token_pair(ctx, user, refresh_token))


def _token_pair(ctx: AuthContext, user: asyncpg.Record, refresh_token: str) -> TokenPair:
    access = ctx.issuer.issue(user_id=str(user["id"]), tenant_id=str(user["tenant_id"]), role=str(user["role"]))
    return TokenPair(
        access_token=access.token,
        expires_in=access.expires_in,
        refresh_token=refresh_token,
        refresh_expires_in=ctx.settings.refresh_token_ttl_s,
        user=UserOut.model_validate(dict(user)),
    )


class _Refused(enum.Enum):
    """Why a refresh failed. Decided inside the transaction, raised after it commits: the revocations it
    wrote (reuse, disabled account) must persist even though the request fails."""

    UNKNOWN = ("invalid_refresh_token", "refresh token is not recognised")
    REVOKED = ("session_revoked", "this session was revoked; log in again")
    REUSED = ("refresh_token_reused", "refresh token was already used; every session of this login is revoked")
    EXPIRED = ("refresh_token_expired", "refresh token has expired; log in again")
    DISABLED = ("account_disabled", "the account or its tenant is disabled or deleted")


async def refresh(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request, RefreshRequest)
    user_agent, ip = _client(request)
    new_token = new_refresh_token()
    refused: _Refused | None = None
    user: asyncpg.Record | None = None
    async with ctx.connection() as conn, conn.transaction():
        session = await store_sessions.find_session_for_update(conn, hash_refresh_token(body.refresh_token))
        if session is None:
            refused = _Refused.UNKNOWN
        elif session["revoked_at"] is not None:
            refused = _Refused.REVOKED
        elif session["rotated_at"] is not None:
            # Only one party can hold the newest token; seeing an older one means a copy exists somewhere.
            # We cannot tell the thief from the owner, so the whole login is ended.
            await store_sessions.revoke_family(conn, str(session["family_id"]), "reuse")
            refused = _Refused.REUSED
        elif session["expired"]:
            refused = _Refused.EXPIRED
        else:
            user = await _active_user(conn, str(session["tenant_id"]), str(session["user_id"]))
            if user is None:
                await store_sessions.revoke_family(conn, str(session["family_id"]), "account_disabled")
                refused = _Refused.DISABLED
            else:
                successor = await store_sessions.create_session(
                    conn,
                    user_id=str(user["id"]),
                    tenant_id=str(user["tenant_id"]),
                    family_id=str(session["family_id"]),
                    token_hash=hash_refresh_token(new_token),
                    user_agent=user_agent,
                    ip_address=ip,
                    ttl_s=ctx.settings.refresh_token_ttl_s,
                )
                await store_sessions.mark_rotated(conn, str(session["id"]), successor)
    if refused is not None or user is None:
        code, message = (refused or _Refused.UNKNOWN).value
        raise Unauthorized(message, code=code)
    # The new access token carries the user's current role: role changes take effect at the next refresh.
    return json_response(_token_pair(ctx, user, new_token))


async def _active_user(conn: asyncpg.Connection, tenant_id: str, user_id: str) -> asyncpg.Record | None:
    tenant = await store_tenants.get_tenant(conn, tenant_id)
    if tenant is None or not tenant["is_active"]:
        return None
    user = await store_users.get_user(conn, tenant_id, user_id)
    if user is None or not user["is_active"]:
        return None
    return user


async def logout(request: Request) -> Response:
    """Revoke the whole login (every rotation of this refresh token). Idempotent for a known token."""
    ctx = context(request)
    body = await read_json(request, RefreshRequest)
    async with ctx.connection() as conn, conn.transaction():
        session = await store_sessions.find_session_for_update(conn, hash_refresh_token(body.refresh_token))
        if session is not None:
            await store_sessions.revoke_family(conn, str(session["family_id"]), "logout")
    if session is None:
        raise Unauthorized("refresh token is not recognised", code="invalid_refresh_token")
    return Response(status_code=204)

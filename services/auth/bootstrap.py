"""Creating the first tenant and its admin (``python -m services.auth create-admin``). Idempotent.

Running it again with the same arguments changes nothing and emits no event. If the admin exists but its role,
active flag or password differ, they are brought to what was asked (one ``user.updated``), so the command is also
the documented way to recover a lost admin password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import asyncpg

from services.auth import store_tenants, store_users
from services.auth.events import emit_tenant, emit_user
from services.auth.passwords import Passwords

__all__ = ["BootstrapError", "BootstrapResult", "create_admin"]

# Serialises concurrent bootstrap runs (two replicas starting at once) without a table lock.
_ADVISORY_LOCK_KEY = 0x41_55_54_48  # "AUTH"


class BootstrapError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    tenant_id: str
    user_id: str
    tenant_created: bool
    user_created: bool
    user_updated: bool
    platform: bool


async def create_admin(
    pool: asyncpg.Pool,
    passwords: Passwords,
    *,
    tenant_slug: str,
    tenant_name: str,
    email: str,
    password: str,
    platform: bool,
) -> BootstrapResult:
    """Ensure tenant ``tenant_slug`` exists and ``email`` is an active admin in it with ``password``.

    The tenant is a platform tenant if ``platform`` is set or if it is the first tenant of an empty database:
    otherwise nobody could ever create a second tenant.
    """
    email = email.strip().lower()
    password_hash = await passwords.hash(password)
    async with pool.acquire() as proxy, proxy.transaction():
        conn = cast(asyncpg.Connection, proxy)  # the pool's proxy forwards every Connection method
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _ADVISORY_LOCK_KEY)
        tenant, tenant_created = await _ensure_tenant(conn, tenant_slug, tenant_name, platform)
        user, user_created, user_updated = await _ensure_admin(
            conn, passwords, str(tenant["id"]), email, password, password_hash
        )
    return BootstrapResult(
        tenant_id=str(tenant["id"]),
        user_id=str(user["id"]),
        tenant_created=tenant_created,
        user_created=user_created,
        user_updated=user_updated,
        platform=bool((tenant["settings"] or {}).get("platform", False)),
    )


async def _ensure_tenant(conn: asyncpg.Connection, slug: str, name: str, platform: bool) -> tuple[asyncpg.Record, bool]:
    tenant = await store_tenants.get_tenant_by_slug(conn, slug)
    created = tenant is None
    if tenant is None:
        if await conn.fetchval("SELECT 1 FROM tenants WHERE slug = $1", slug):
            raise BootstrapError(f"tenant {slug!r} was deleted; pick another slug")
        platform = platform or not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM tenants)")
        tenant = await store_tenants.insert_tenant(
            conn,
            name=name,
            slug=slug,
            domain=None,
            logo_url=None,
            settings={"platform": True} if platform else {},
            is_active=True,
        )
        await emit_tenant(conn, "tenant.created", tenant)
    elif platform and not (tenant["settings"] or {}).get("platform"):
        settings = {**(tenant["settings"] or {}), "platform": True}
        tenant = await store_tenants.update_tenant(conn, str(tenant["id"]), {"settings": settings})
        assert tenant is not None
        await emit_tenant(conn, "tenant.updated", tenant, ["settings"])
    if not tenant["is_active"]:
        raise BootstrapError(f"tenant {slug!r} is not active; activate it first")
    return tenant, created


async def _ensure_admin(
    conn: asyncpg.Connection, passwords: Passwords, tenant_id: str, email: str, password: str, password_hash: str
) -> tuple[asyncpg.Record, bool, bool]:
    """(user, created, updated)."""
    user = await store_users.get_user_for_login(conn, tenant_id, email)
    if user is None:
        if await conn.fetchval("SELECT 1 FROM users WHERE tenant_id = $1 AND email = $2", tenant_id, email):
            raise BootstrapError(f"{email} was deleted from this tenant; use another email")
        user = await store_users.insert_user(
            conn, tenant_id=tenant_id, email=email, password_hash=password_hash, name=None, phone=None, role="admin"
        )
        await emit_user(conn, "user.created", user)
        return user, True, False
    changes: dict[str, object] = {}
    if user["role"] != "admin":
        changes["role"] = "admin"
    if not user["is_active"]:
        changes["is_active"] = True
    if not (await passwords.verify(user["password_hash"], password)).ok:
        changes["password_hash"] = password_hash
    if not changes:
        return user, False, False
    updated = await store_users.update_user(conn, tenant_id, str(user["id"]), changes)
    assert updated is not None
    # The hash itself never goes into an event; that it changed is enough.
    await emit_user(conn, "user.updated", updated, ["password" if key == "password_hash" else key for key in changes])
    return updated, False, True

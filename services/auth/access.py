"""Who is calling, re-checked against the database, and what they may administer.

The access token proves identity but is up to 15 minutes old; auth-service owns the truth, so every
authenticated request re-reads the caller's user and tenant. A deleted or disabled account, or a disabled
tenant, is refused at once here, and the role used is the current one (a demoted admin loses admin rights
immediately, not when the token expires).

Rules (docs/auth.md): ``admin`` administers its own tenant only. An admin whose tenant has
``settings.platform = true`` is a platform admin: it may also create, list, read, update and delete tenants and
create users (e.g. a new tenant's first admin) in any tenant. Reading, changing or deleting users is never
cross-tenant.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from starlette.requests import Request

from services.shared.errors import Forbidden, NotFound, Unauthorized
from services.shared.web import require_principal

__all__ = ["Actor", "authenticate", "require_admin", "require_platform_admin", "require_tenant_admin"]


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    tenant_id: str
    role: str
    is_platform: bool

    @property
    def is_staff(self) -> bool:
        return self.role in ("organizer", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


_ACTOR = """
SELECT u.role, u.is_active AND t.is_active AS active, COALESCE((t.settings->>'platform')::boolean, false) AS platform
FROM users u JOIN tenants t ON t.id = u.tenant_id
WHERE u.id = $1 AND u.tenant_id = $2 AND u.deleted_at IS NULL AND t.deleted_at IS NULL
"""


async def authenticate(request: Request, conn: asyncpg.Connection) -> Actor:
    principal = require_principal(request)
    try:
        row = await conn.fetchrow(_ACTOR, principal.user_id, principal.tenant_id)
    except (asyncpg.DataError, ValueError):
        # A validly signed token whose sub/tid are not UUIDs: not ours to trust.
        raise Unauthorized("access token subject is malformed", code="invalid_token") from None
    if row is None or not row["active"]:
        raise Unauthorized("the account or its tenant is disabled or deleted", code="account_disabled")
    return Actor(principal.user_id, principal.tenant_id, str(row["role"]), bool(row["platform"]))


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("this action requires the admin role", code="admin_required")


def require_platform_admin(actor: Actor) -> None:
    require_admin(actor)
    if not actor.is_platform:
        raise Forbidden("only platform admins may manage other tenants", code="platform_admin_required")


def require_tenant_admin(actor: Actor, tenant_id: str) -> None:
    """Admin of ``tenant_id`` or a platform admin. Other tenants look non-existent (404), not forbidden."""
    require_admin(actor)
    if actor.tenant_id != tenant_id and not actor.is_platform:
        raise NotFound(f"tenant {tenant_id} not found", code="tenant_not_found")

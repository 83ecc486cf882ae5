"""Events: written to the outbox in the very transaction of the change; a refused change leaves no event."""

from __future__ import annotations

from services.shared.envelope import EventEnvelope
from tests.auth.harness import PASSWORD, Harness, error_code


async def _xmin(auth: Harness, table: str, row_id: str) -> str:
    # xmin is the id of the transaction that wrote the row version: equal xmins = one transaction.
    value: str = await auth.fetchval(f"SELECT xmin::text FROM {table} WHERE id = $1", row_id)
    return value


async def test_user_events_share_the_transaction_of_the_change(auth: Harness) -> None:
    admin = await auth.admin("acme")
    account = await auth.customer("acme", "ann@x.test")
    rows = [r for r in await auth.outbox("user.created") if str(r["aggregate_id"]) == account.user_id]
    assert len(rows) == 1 and rows[0]["topic"] == "auth.users"
    envelope = EventEnvelope.from_dict(rows[0]["payload"])
    assert envelope.tenant_id == account.tenant_id and envelope.data["email"] == "ann@x.test"
    assert "password_hash" not in envelope.data and "password" not in str(envelope.data)
    event_id = await auth.fetchval("SELECT id FROM outbox WHERE aggregate_id = $1", account.user_id)
    assert await _xmin(auth, "users", account.user_id) == await _xmin(auth, "outbox", str(event_id))

    await auth.client.patch("/api/v1/users/me", json={"name": "Ann"}, headers=account.headers)
    await auth.client.patch("/api/v1/users/me", json={"name": "Ann"}, headers=account.headers)  # no-op: no event
    updated = [r for r in await auth.outbox("user.updated") if str(r["aggregate_id"]) == account.user_id]
    assert len(updated) == 1 and updated[0]["payload"]["data"]["changed"] == ["name"]

    assert (await auth.client.delete(f"/api/v1/users/{account.user_id}", headers=admin.headers)).status_code == 204
    deleted = await auth.outbox("user.deleted")
    assert [str(r["aggregate_id"]) for r in deleted] == [account.user_id]


async def test_refused_changes_write_no_event(auth: Harness) -> None:
    platform = await auth.admin("acme", platform=True)
    await auth.customer("acme", "bea@x.test")
    before = len(await auth.outbox())
    dup = await auth.client.post(
        "/api/v1/auth/register", json={"tenant_slug": "acme", "email": "bea@x.test", "password": PASSWORD}
    )
    assert dup.status_code == 409
    taken = await auth.client.post("/api/v1/tenants", json={"name": "Again", "slug": "acme"}, headers=platform.headers)
    assert taken.status_code == 409 and error_code(taken) == "slug_taken"
    assert len(await auth.outbox()) == before


async def test_a_failed_event_write_undoes_the_change(auth: Harness) -> None:
    """The other direction: if the outbox insert fails, the user is not created either."""
    await auth.admin("acme")
    async with auth.ctx.pool.acquire() as conn:
        await conn.execute(
            "ALTER TABLE outbox ADD CONSTRAINT test_no_user_created CHECK (event_type <> 'user.created') NOT VALID"
        )
    response = await auth.client.post(
        "/api/v1/auth/register", json={"tenant_slug": "acme", "email": "cid@x.test", "password": PASSWORD}
    )
    assert response.status_code == 500 and error_code(response) == "internal_error"
    assert await auth.fetchval("SELECT count(*) FROM users WHERE email = 'cid@x.test'") == 0


async def test_tenant_events(auth: Harness) -> None:
    platform = await auth.admin("acme", platform=True)
    created = await auth.client.post(
        "/api/v1/tenants",
        json={"name": "Delta", "slug": "delta", "settings": {"currency": "THB"}},
        headers=platform.headers,
    )
    assert created.status_code == 201, created.text
    tenant_id = created.json()["id"]
    patched = await auth.client.patch(
        f"/api/v1/tenants/{tenant_id}", json={"domain": "delta.test"}, headers=platform.headers
    )
    assert patched.status_code == 200 and patched.json()["domain"] == "delta.test"
    events = [r for r in await auth.outbox() if str(r["aggregate_id"]) == tenant_id]
    assert [(r["event_type"], r["topic"]) for r in events] == [
        ("tenant.created", "auth.tenants"),
        ("tenant.updated", "auth.tenants"),
    ]
    assert events[0]["payload"]["data"]["settings"] == {"currency": "THB"}
    assert events[1]["payload"]["data"]["changed"] == ["domain"]
    # The tenant row's current version was written by the PATCH: its event must come from that same transaction.
    update_event = await auth.fetchval(
        "SELECT id FROM outbox WHERE aggregate_id = $1 AND event_type = 'tenant.updated'", tenant_id
    )
    assert await _xmin(auth, "outbox", str(update_event)) == await _xmin(auth, "tenants", tenant_id)

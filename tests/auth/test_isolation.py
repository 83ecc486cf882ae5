"""Tenant isolation on every endpoint: a token of tenant A never reads or changes tenant B's data."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.auth.harness import PASSWORD, Account, Harness, error_code


@dataclass(frozen=True)
class World:
    platform: Account  # admin of the platform tenant "acme"
    beta_admin: Account
    beta_organizer: Account
    beta_customer: Account
    gamma_admin: Account
    gamma_customer: Account


@pytest.fixture
async def world(auth: Harness) -> World:
    platform = await auth.admin("acme", platform=True)
    beta_admin = await auth.admin("beta")
    gamma_admin = await auth.admin("gamma")
    return World(
        platform=platform,
        beta_admin=beta_admin,
        beta_organizer=await auth.staff(beta_admin, "beta", "org@beta.test", "organizer"),
        beta_customer=await auth.customer("beta", "cus@beta.test"),
        gamma_admin=gamma_admin,
        gamma_customer=await auth.customer("gamma", "cus@gamma.test"),
    )


async def test_users_by_id_never_cross_tenant(auth: Harness, world: World) -> None:
    victim = world.gamma_customer
    for actor in (world.beta_admin, world.beta_organizer, world.platform):
        response = await auth.client.get(f"/api/v1/users/{victim.user_id}", headers=actor.headers)
        assert response.status_code == 404, actor.email
    # Within a tenant: staff and the user themself may read, another customer may not.
    ok = await auth.client.get(f"/api/v1/users/{world.beta_customer.user_id}", headers=world.beta_organizer.headers)
    assert ok.status_code == 200
    own = await auth.client.get(f"/api/v1/users/{world.beta_customer.user_id}", headers=world.beta_customer.headers)
    assert own.status_code == 200
    peer = await auth.client.get(f"/api/v1/users/{world.beta_organizer.user_id}", headers=world.beta_customer.headers)
    assert peer.status_code == 403


async def test_user_admin_never_cross_tenant(auth: Harness, world: World) -> None:
    victim = world.gamma_customer
    for actor in (world.beta_admin, world.platform):
        patch = await auth.client.patch(
            f"/api/v1/users/{victim.user_id}", json={"role": "admin", "name": "pwned"}, headers=actor.headers
        )
        assert patch.status_code == 404, actor.email
        delete = await auth.client.delete(f"/api/v1/users/{victim.user_id}", headers=actor.headers)
        assert delete.status_code == 404, actor.email
    row = (await auth.fetch("SELECT role, name, deleted_at FROM users WHERE id = $1", victim.user_id))[0]
    assert (row["role"], row["name"], row["deleted_at"]) == ("customer", None, None)


async def test_me_is_always_the_callers_own_tenant(auth: Harness, world: World) -> None:
    for account in (world.beta_customer, world.gamma_customer):
        me = await auth.client.get("/api/v1/users/me", headers=account.headers)
        assert me.json()["tenant_id"] == account.tenant_id and me.json()["id"] == account.user_id
        patched = await auth.client.patch("/api/v1/users/me", json={"name": "Me"}, headers=account.headers)
        assert patched.json()["id"] == account.user_id
    assert await auth.fetchval("SELECT count(*) FROM users WHERE name = 'Me'") == 2


async def test_tenant_list_and_read(auth: Harness, world: World) -> None:
    listed = await auth.client.get("/api/v1/tenants", headers=world.beta_admin.headers)
    assert [t["slug"] for t in listed.json()["items"]] == ["beta"]
    everything = await auth.client.get("/api/v1/tenants", headers=world.platform.headers)
    assert sorted(t["slug"] for t in everything.json()["items"]) == ["acme", "beta", "gamma"]
    customer = await auth.client.get("/api/v1/tenants", headers=world.beta_customer.headers)
    assert customer.status_code == 403

    gamma = world.gamma_admin.tenant_id
    assert (await auth.client.get(f"/api/v1/tenants/{gamma}", headers=world.beta_admin.headers)).status_code == 404
    assert (await auth.client.get(f"/api/v1/tenants/{gamma}", headers=world.beta_customer.headers)).status_code == 403
    assert (await auth.client.get(f"/api/v1/tenants/{gamma}", headers=world.platform.headers)).status_code == 200
    own = await auth.client.get(f"/api/v1/tenants/{world.beta_admin.tenant_id}", headers=world.beta_admin.headers)
    assert own.status_code == 200


async def test_tenant_changes_never_cross_tenant(auth: Harness, world: World) -> None:
    gamma = world.gamma_admin.tenant_id
    patch = await auth.client.patch(
        f"/api/v1/tenants/{gamma}", json={"name": "pwned"}, headers=world.beta_admin.headers
    )
    assert patch.status_code == 404
    delete = await auth.client.delete(f"/api/v1/tenants/{gamma}", headers=world.beta_admin.headers)
    assert delete.status_code == 403
    create = await auth.client.post(
        "/api/v1/tenants", json={"name": "X", "slug": "x"}, headers=world.beta_admin.headers
    )
    assert create.status_code == 403 and error_code(create) == "platform_admin_required"
    assert await auth.fetchval("SELECT name FROM tenants WHERE id = $1", gamma) == "Gamma"

    # A tenant admin may rename its tenant but not grant itself platform powers or toggle activity.
    beta = world.beta_admin.tenant_id
    renamed = await auth.client.patch(
        f"/api/v1/tenants/{beta}", json={"name": "Beta Ltd"}, headers=world.beta_admin.headers
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Beta Ltd"
    for body in ({"settings": {"platform": True}}, {"is_active": False}):
        denied = await auth.client.patch(f"/api/v1/tenants/{beta}", json=body, headers=world.beta_admin.headers)
        assert denied.status_code == 403 and error_code(denied) == "platform_admin_required"
    lockout = await auth.client.patch(
        f"/api/v1/tenants/{world.platform.tenant_id}", json={"is_active": False}, headers=world.platform.headers
    )
    assert lockout.status_code == 409


async def test_tenant_user_management(auth: Harness, world: World) -> None:
    gamma = world.gamma_admin.tenant_id
    new_user = {"email": "x@gamma.test", "password": PASSWORD, "role": "admin"}
    foreign = await auth.client.post(f"/api/v1/tenants/{gamma}/users", json=new_user, headers=world.beta_admin.headers)
    assert foreign.status_code == 404
    by_customer = await auth.client.post(
        f"/api/v1/tenants/{world.beta_customer.tenant_id}/users", json=new_user, headers=world.beta_customer.headers
    )
    assert by_customer.status_code == 403
    # Platform admins bootstrap other tenants' admins.
    created = await auth.client.post(f"/api/v1/tenants/{gamma}/users", json=new_user, headers=world.platform.headers)
    assert created.status_code == 201 and created.json()["tenant_id"] == gamma

    for actor in (world.beta_admin, world.platform):
        listing = await auth.client.get(f"/api/v1/tenants/{gamma}/users", headers=actor.headers)
        assert listing.status_code == 404, actor.email
    own = await auth.client.get(f"/api/v1/tenants/{gamma}/users", headers=world.gamma_admin.headers)
    assert {u["tenant_id"] for u in own.json()["items"]} == {gamma}
    assert len(own.json()["items"]) == 3


async def test_credentials_are_per_tenant(auth: Harness, world: World) -> None:
    """beta's customer cannot log in to gamma, and the same email may exist in both, separately."""
    assert (await auth.login("gamma", "cus@beta.test")).status_code == 401
    twin = await auth.customer("gamma", "cus@beta.test")
    assert twin.tenant_id == world.gamma_admin.tenant_id and twin.user_id != world.beta_customer.user_id

"""Register, login, refresh rotation with reuse detection, logout, password storage, account states."""

from __future__ import annotations

import asyncio

import jwt
from argon2 import PasswordHasher

from services.shared.tokens import TokenVerifier
from tests.auth.harness import PASSWORD, Harness, bearer, error_code
from tests.support.tokens import KeyPair


async def _refresh(auth: Harness, token: str) -> tuple[int, dict[str, object]]:
    response = await auth.client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    return response.status_code, response.json()


async def test_register_login_profile(auth: Harness, jwt_keys: KeyPair) -> None:
    await auth.admin("acme")
    response = await auth.client.post(
        "/api/v1/auth/register",
        json={"tenant_slug": "acme", "email": "  Alice@Example.TEST ", "password": PASSWORD, "name": "Alice"},
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == "alice@example.test"
    assert user["role"] == "customer"
    assert "password_hash" not in user

    login = await auth.login("acme", "ALICE@example.test")
    assert login.status_code == 200, login.text
    body = login.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    principal = TokenVerifier(jwt_keys.public_pem, issuer="booking-rush-auth", audience="booking-rush").verify(
        body["access_token"]
    )
    assert (principal.user_id, principal.tenant_id, principal.role) == (user["id"], user["tenant_id"], "customer")
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert set(claims) == {"sub", "tid", "role", "iss", "aud", "exp", "iat", "jti"}
    assert claims["exp"] - claims["iat"] <= 900

    me = await auth.client.get("/api/v1/users/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == user["id"]
    patched = await auth.client.patch(
        "/api/v1/users/me", json={"phone": "+66 812345678", "name": None}, headers=bearer(body["access_token"])
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["phone"] == "+66 812345678" and patched.json()["name"] is None


async def test_self_registration_cannot_choose_a_role(auth: Harness) -> None:
    await auth.admin("acme")
    response = await auth.client.post(
        "/api/v1/auth/register",
        json={"tenant_slug": "acme", "email": "eve@x.test", "password": PASSWORD, "role": "admin"},
    )
    assert response.status_code == 422
    assert await auth.fetchval("SELECT count(*) FROM users WHERE email = 'eve@x.test'") == 0


async def test_duplicate_email_is_409_case_insensitively(auth: Harness) -> None:
    await auth.admin("acme")
    await auth.customer("acme", "bob@x.test")
    again = await auth.client.post(
        "/api/v1/auth/register", json={"tenant_slug": "acme", "email": "BOB@x.test", "password": PASSWORD}
    )
    assert again.status_code == 409 and error_code(again) == "email_taken"


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(auth: Harness) -> None:
    await auth.admin("acme")
    account = await auth.customer("acme", "carol@x.test")
    other_login = await auth.account("acme", "carol@x.test")  # a second, independent login (family)

    status, first = await _refresh(auth, account.refresh_token)
    assert status == 200
    r2 = str(first["refresh_token"])
    assert r2 != account.refresh_token
    status, second = await _refresh(auth, r2)
    assert status == 200
    r3 = str(second["refresh_token"])

    # Replaying an already-rotated token: refused, and the newest token of that login dies with it.
    status, body = await _refresh(auth, account.refresh_token)
    assert status == 401 and body["error"]["code"] == "refresh_token_reused"  # type: ignore[index]
    status, body = await _refresh(auth, r3)
    assert status == 401 and body["error"]["code"] == "session_revoked"  # type: ignore[index]
    live = await auth.fetchval(
        "SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL", account.user_id
    )
    assert live == 1  # only the other login's session
    status, _ = await _refresh(auth, other_login.refresh_token)
    assert status == 200
    # Only SHA-256 hashes are stored, never the token.
    stored = {row["refresh_token_hash"] for row in await auth.fetch("SELECT refresh_token_hash FROM sessions")}
    assert account.refresh_token not in stored and all(len(h) == 64 for h in stored)


async def test_concurrent_refreshes_of_one_token_have_one_winner(auth: Harness) -> None:
    await auth.admin("acme")
    account = await auth.customer("acme", "dave@x.test")
    results = await asyncio.gather(*(_refresh(auth, account.refresh_token) for _ in range(5)))
    assert sorted(status for status, _ in results) == [200, 401, 401, 401, 401]


async def test_logout_revokes_the_family(auth: Harness) -> None:
    await auth.admin("acme")
    account = await auth.customer("acme", "erin@x.test")
    _, body = await _refresh(auth, account.refresh_token)
    r2 = str(body["refresh_token"])
    out = await auth.client.post("/api/v1/auth/logout", json={"refresh_token": r2})
    assert out.status_code == 204
    assert (await _refresh(auth, r2))[0] == 401
    assert (await _refresh(auth, account.refresh_token))[0] == 401
    unknown = await auth.client.post("/api/v1/auth/logout", json={"refresh_token": "x" * 43})
    assert unknown.status_code == 401 and error_code(unknown) == "invalid_refresh_token"


async def test_expired_refresh_token(auth: Harness) -> None:
    await auth.admin("acme")
    account = await auth.customer("acme", "fay@x.test")
    await auth.fetch("UPDATE sessions SET expires_at = NOW() - interval '1 second'")
    status, body = await _refresh(auth, account.refresh_token)
    assert status == 401 and body["error"]["code"] == "refresh_token_expired"  # type: ignore[index]


async def test_sessions_record_client(auth: Harness) -> None:
    await auth.admin("acme")
    await auth.customer("acme", "gus@x.test")
    await auth.client.post(
        "/api/v1/auth/login",
        json={"tenant_slug": "acme", "email": "gus@x.test", "password": PASSWORD},
        headers={"User-Agent": "rush-test/1.0"},
    )
    row = (await auth.fetch("SELECT user_agent, host(ip_address) AS ip FROM sessions ORDER BY created_at DESC"))[0]
    assert row["user_agent"] == "rush-test/1.0" and row["ip"] == "127.0.0.1"


async def test_argon2id_parameters_and_rehash_on_login(auth: Harness) -> None:
    await auth.admin("acme")
    account = await auth.customer("acme", "hal@x.test")
    stored = await auth.fetchval("SELECT password_hash FROM users WHERE id = $1", account.user_id)
    prefix, params = stored.split("$")[1], stored.split("$")[3]
    parsed = dict(item.split("=") for item in params.split(","))
    assert prefix == "argon2id"
    assert int(parsed["m"]) >= 19456 and int(parsed["t"]) >= 2 and parsed["p"] == "1"

    weak = PasswordHasher(memory_cost=8192, time_cost=1, parallelism=1).hash(PASSWORD)
    await auth.fetch("UPDATE users SET password_hash = $2 WHERE id = $1", account.user_id, weak)
    assert (await auth.login("acme", "hal@x.test")).status_code == 200
    upgraded = await auth.fetchval("SELECT password_hash FROM users WHERE id = $1", account.user_id)
    assert upgraded != weak and "m=19456,t=2,p=1" in upgraded


async def test_login_failures_do_not_reveal_which_part_was_wrong(auth: Harness) -> None:
    await auth.admin("acme")
    await auth.customer("acme", "ida@x.test")
    attempts = [
        await auth.login("acme", "ida@x.test", "wrong-password"),
        await auth.login("acme", "nobody@x.test"),
        await auth.login("no-such-tenant", "ida@x.test"),
    ]
    bodies = [(r.status_code, r.json()["error"]["code"], r.json()["error"]["message"]) for r in attempts]
    assert bodies == [(401, "invalid_credentials", "email or password is incorrect")] * 3


async def test_inactive_tenant_cannot_log_in_or_register(auth: Harness) -> None:
    platform = await auth.admin("acme", platform=True)
    await auth.admin("beta")
    customer = await auth.customer("beta", "jo@x.test")
    off = await auth.client.patch(
        f"/api/v1/tenants/{customer.tenant_id}", json={"is_active": False}, headers=platform.headers
    )
    assert off.status_code == 200 and off.json()["is_active"] is False
    login = await auth.login("beta", "jo@x.test")
    assert login.status_code == 403 and error_code(login) == "tenant_inactive"
    wrong = await auth.login("beta", "jo@x.test", "wrong-password")
    assert wrong.status_code == 401  # the state is only revealed to someone holding the password
    register = await auth.client.post(
        "/api/v1/auth/register", json={"tenant_slug": "beta", "email": "new@x.test", "password": PASSWORD}
    )
    assert register.status_code == 403 and error_code(register) == "tenant_inactive"
    me = await auth.client.get("/api/v1/users/me", headers=customer.headers)
    assert me.status_code == 401 and error_code(me) == "account_disabled"
    assert (await _refresh(auth, customer.refresh_token))[0] == 401


async def test_deleted_tenant_cannot_log_in_or_register(auth: Harness) -> None:
    platform = await auth.admin("acme", platform=True)
    await auth.admin("beta")
    customer = await auth.customer("beta", "kim@x.test")
    gone = await auth.client.delete(f"/api/v1/tenants/{customer.tenant_id}", headers=platform.headers)
    assert gone.status_code == 204
    login = await auth.login("beta", "kim@x.test")
    assert login.status_code == 401 and error_code(login) == "invalid_credentials"
    register = await auth.client.post(
        "/api/v1/auth/register", json={"tenant_id": customer.tenant_id, "email": "n@x.test", "password": PASSWORD}
    )
    assert register.status_code == 404 and error_code(register) == "tenant_not_found"
    assert (await _refresh(auth, customer.refresh_token))[0] == 401


async def test_deleted_and_disabled_users(auth: Harness) -> None:
    admin = await auth.admin("acme")
    gone = await auth.customer("acme", "lee@x.test")
    off = await auth.customer("acme", "mo@x.test")
    assert (await auth.client.delete(f"/api/v1/users/{gone.user_id}", headers=admin.headers)).status_code == 204
    assert (await auth.login("acme", "lee@x.test")).status_code == 401
    assert (await _refresh(auth, gone.refresh_token))[0] == 401
    assert (await auth.client.get("/api/v1/users/me", headers=gone.headers)).status_code == 401
    assert await auth.fetchval("SELECT deleted_at IS NOT NULL FROM users WHERE id = $1", gone.user_id)

    patched = await auth.client.patch(f"/api/v1/users/{off.user_id}", json={"is_active": False}, headers=admin.headers)
    assert patched.status_code == 200
    login = await auth.login("acme", "mo@x.test")
    assert login.status_code == 403 and error_code(login) == "account_disabled"
    assert (await _refresh(auth, off.refresh_token))[0] == 401
    self_delete = await auth.client.delete(f"/api/v1/users/{admin.user_id}", headers=admin.headers)
    assert self_delete.status_code == 409 and error_code(self_delete) == "cannot_modify_self"


async def test_role_change_applies_at_next_refresh(auth: Harness, jwt_keys: KeyPair) -> None:
    admin = await auth.admin("acme")
    user = await auth.customer("acme", "ned@x.test")
    promoted = await auth.client.patch(
        f"/api/v1/users/{user.user_id}", json={"role": "organizer"}, headers=admin.headers
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "organizer"
    status, body = await _refresh(auth, user.refresh_token)
    assert status == 200
    verifier = TokenVerifier(jwt_keys.public_pem, issuer="booking-rush-auth", audience="booking-rush")
    assert verifier.verify(str(body["access_token"])).role == "organizer"
    customer = await auth.customer("acme", "ola@x.test")
    denied = await auth.client.patch(f"/api/v1/users/{user.user_id}", json={"role": "admin"}, headers=customer.headers)
    assert denied.status_code == 403 and error_code(denied) == "admin_required"

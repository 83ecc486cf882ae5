"""The HTTP surface: OpenAPI matches the routes both ways; every bad input is a 4xx JSON error, never a 500."""

from __future__ import annotations

import re
import uuid

import httpx
from starlette.routing import Route

from tests.auth.harness import PASSWORD, Harness

_OPERATIONAL = {"/healthz", "/readyz", "/metrics", "/openapi.json"}


def _assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error


async def test_openapi_documents_exactly_the_served_routes(auth: Harness) -> None:
    document = (await auth.client.get("/openapi.json")).json()
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    served = {
        (route.path, method)
        for route in auth.app.routes
        if isinstance(route, Route) and route.path not in _OPERATIONAL
        for method in (route.methods or set()) - {"HEAD"}
    }
    assert documented == served
    assert {path for path, _ in documented} >= {
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/users/me",
        "/api/v1/users/{user_id}",
        "/api/v1/tenants",
        "/api/v1/tenants/{tenant_id}",
    }
    schemas = document["components"]["schemas"]
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                for media in response.get("content", {}).values():
                    name = media["schema"]["$ref"].rsplit("/", 1)[-1]
                    assert name in schemas, (path, method, status)
            if method in ("post", "patch") and not path.endswith("/logout"):
                assert "requestBody" in op, (path, method)

    # Every documented operation is really served: with a placeholder id and no token the router matches it
    # and the handler answers (401 or 422), never 404/405.
    for path, method in sorted(documented):
        url = re.sub(r"{[a-z_]+}", str(uuid.uuid4()), path)
        response = await auth.client.request(method, url, json={})
        assert response.status_code in (401, 422), (method, path, response.status_code)


async def test_bad_inputs_are_4xx_json(auth: Harness) -> None:
    admin = await auth.admin("acme")
    client = auth.client
    register = "/api/v1/auth/register"
    _assert_error(await client.post(register, content=b"{not json", headers={"content-type": "application/json"}), 400)
    _assert_error(await client.post(register, content=b"", headers={"content-type": "application/json"}), 400)
    _assert_error(await client.post(register, json=["a", "list"]), 400, "invalid_json")
    _assert_error(await client.post(register, content=b"email=x", headers={"content-type": "text/plain"}), 415)
    _assert_error(await client.post(register, json={"tenant_slug": "acme", "email": 42, "password": PASSWORD}), 422)
    _assert_error(
        await client.post(register, json={"tenant_slug": "acme", "email": "a@b.test", "password": "short"}), 422
    )
    _assert_error(
        await client.post(register, json={"tenant_slug": "acme", "email": "no-at-sign", "password": PASSWORD}), 422
    )
    _assert_error(await client.post(register, json={"email": "a@b.test", "password": PASSWORD}), 422)
    nul = {"tenant_slug": "acme", "email": "a\u0000@b.test", "password": PASSWORD}
    _assert_error(await client.post(register, json=nul), 422)
    nul_settings = {"name": "N", "slug": "nul", "settings": {"k": "v\u0000"}}
    _assert_error(await client.post("/api/v1/tenants", json=nul_settings, headers=admin.headers), 422)
    both = {"tenant_slug": "acme", "tenant_id": admin.tenant_id, "email": "a@b.test", "password": PASSWORD}
    _assert_error(await client.post(register, json=both), 422)
    _assert_error(
        await client.post(register, json={"tenant_id": "nope", "email": "a@b.test", "password": PASSWORD}), 422
    )
    _assert_error(
        await client.post(register, json={"tenant_slug": "acme", "email": "a@b.test", "password": "x" * 100_000}), 413
    )
    _assert_error(await client.post("/api/v1/auth/login", json={"tenant_slug": "acme", "email": "a@b.test"}), 422)
    _assert_error(await client.post("/api/v1/auth/refresh", json={"refresh_token": 123}), 422)
    _assert_error(await client.get("/api/v1/nothing-here"), 404, "not_found")
    _assert_error(await client.put("/api/v1/users/me"), 405, "method_not_allowed")
    headers = admin.headers
    _assert_error(await client.get("/api/v1/users/not-a-uuid", headers=headers), 404)
    _assert_error(await client.get("/api/v1/tenants?limit=abc", headers=headers), 422)
    _assert_error(await client.get("/api/v1/tenants?limit=0", headers=headers), 422)
    _assert_error(await client.patch("/api/v1/users/me", json={"role": "admin"}, headers=headers), 422)
    _assert_error(await client.patch("/api/v1/users/me", json={"phone": "call me maybe"}, headers=headers), 422)
    tenant = f"/api/v1/tenants/{admin.tenant_id}"
    _assert_error(await client.patch(tenant, json={"is_active": "yes"}, headers=headers), 422)
    _assert_error(await client.patch(tenant, json={"settings": [1, 2]}, headers=headers), 422)
    bad_slug = {"name": "X", "slug": "Not A Slug"}
    _assert_error(await client.post("/api/v1/tenants", json=bad_slug, headers=headers), 422)
    _assert_error(await client.get("/api/v1/users/me", headers={"Authorization": "Basic abc"}), 401, "invalid_token")


async def test_operational_endpoints(auth: Harness) -> None:
    assert (await auth.client.get("/healthz")).json()["status"] == "ok"
    ready = await auth.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok"}
    await auth.client.get("/api/v1/users/me")
    metrics = await auth.client.get("/metrics")
    assert 'route="/api/v1/users/me"' in metrics.text

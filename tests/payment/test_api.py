"""The API surface: OpenAPI matches the routes, bad input is a 4xx JSON error, settings fail fast."""

from __future__ import annotations

import re
import uuid

import pytest
from starlette.routing import Route

from services.payment.app import create_app
from services.payment.settings import Settings
from services.shared.settings import SettingsError
from tests.payment.support import Harness, card_body
from tests.support.tokens import KeyPair


async def test_openapi_documents_every_route_and_every_documented_path_is_served(harness: Harness) -> None:
    document = (await harness.client.get("/openapi.json")).json()
    app = create_app(Settings.from_env({"BR_JWT_PUBLIC_KEY": KeyPair.generate().public_pem}))
    served = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/api/")
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    assert (
        served
        == documented
        == {
            ("GET", "/api/v1/payments"),
            ("GET", "/api/v1/payments/{payment_id}"),
            ("POST", "/api/v1/payments/{payment_id}/pay"),
        }
    )
    schemas = document["components"]["schemas"]
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["security"] == [{"bearerAuth": []}], (method, path)
            for status, response in op["responses"].items():
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[1] in schemas, (method, path, status)
    assert set(schemas["PaymentOut"]["required"]) >= {"id", "booking_id", "status", "amount", "currency"}
    pay = document["paths"]["/api/v1/payments/{payment_id}/pay"]["post"]
    assert {"403", "404", "409", "503", "422", "401"} <= set(pay["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in pay["parameters"])
    listing = document["paths"]["/api/v1/payments"]["get"]
    assert [(p["name"], p["required"]) for p in listing["parameters"]] == [("booking_id", True)]


async def test_operational_endpoints(harness: Harness) -> None:
    assert (await harness.client.get("/healthz")).json()["status"] == "ok"
    ready = (await harness.client.get("/readyz")).json()
    assert ready["checks"] == {"database": "ok", "gateway_circuit": "closed"}
    await harness.client.get("/api/v1/payments", params={"booking_id": str(uuid.uuid4())}, headers=harness.auth())
    metrics = (await harness.client.get("/metrics")).text
    assert re.search(r'http_requests_total\{.*route="/api/v1/payments".*\} 1\.0', metrics)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", "/api/v1/payments/not-a-uuid", {}, 404, "not_found"),
        ("GET", f"/api/v1/payments/{uuid.uuid4()}", {}, 404, "payment_not_found"),
        ("GET", "/api/v1/payments", {}, 422, "validation_error"),
        ("GET", "/api/v1/payments?booking_id=nope", {}, 422, "validation_error"),
        ("POST", f"/api/v1/payments/{uuid.uuid4()}/pay", {"json": card_body()}, 404, "payment_not_found"),
        ("POST", "/api/v1/payments/x/pay", {"json": card_body()}, 404, "not_found"),
        ("POST", f"/api/v1/payments/{uuid.uuid4()}/pay", {"content": b"{nope"}, 400, "invalid_json"),
        ("POST", f"/api/v1/payments/{uuid.uuid4()}/pay", {"content": b"[1]"}, 400, "invalid_json"),
        ("POST", f"/api/v1/payments/{uuid.uuid4()}/pay", {"content": b""}, 400, "invalid_json"),
        ("POST", f"/api/v1/payments/{uuid.uuid4()}/pay", {"json": {}}, 422, "validation_error"),
        (
            "POST",
            f"/api/v1/payments/{uuid.uuid4()}/pay",
            {"content": b"card=1", "headers": {"Content-Type": "text/plain"}},
            415,
            "unsupported_media_type",
        ),
        ("POST", f"/api/v1/payments/{uuid.uuid4()}/pay", {"content": b"x" * 70_000}, 413, "payload_too_large"),
        ("DELETE", f"/api/v1/payments/{uuid.uuid4()}", {}, 405, "method_not_allowed"),
        ("GET", "/api/v1/payments/a/b/c", {}, 404, "not_found"),
    ],
)
async def test_bad_input_is_a_4xx_json_error(
    harness: Harness, method: str, path: str, kwargs: dict[str, object], status: int, code: str
) -> None:
    headers = {**harness.auth(), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    if "content" in kwargs and "Content-Type" not in headers:
        headers["Content-Type"] = "application/json"
    response = await harness.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == code


def test_settings_defaults_and_fail_fast(jwt_keys: KeyPair) -> None:
    settings = Settings.from_env({"BR_JWT_PUBLIC_KEY": jwt_keys.public_pem})
    assert (settings.host, settings.port, settings.workers, settings.gateway) == ("127.0.0.1", 8004, 1, "simulated")
    assert "payment_svc_pw" not in repr(settings)
    assert Settings.from_env({}, require_jwt=False).jwt_public_key is None
    with pytest.raises(SettingsError, match="BR_JWT_PUBLIC_KEY"):
        Settings.from_env({})
    with pytest.raises(SettingsError, match="BR_PAYMENT_PORT"):
        Settings.from_env({"BR_JWT_PUBLIC_KEY": jwt_keys.public_pem, "BR_PAYMENT_PORT": "http"})
    with pytest.raises(SettingsError, match="BR_PAYMENT_GATEWAY"):
        Settings.from_env({"BR_JWT_PUBLIC_KEY": jwt_keys.public_pem, "BR_PAYMENT_GATEWAY": "stripe"})
    with pytest.raises(SettingsError, match="BR_PAYMENT_SIMULATED_DELAY_S"):
        Settings.from_env({"BR_JWT_PUBLIC_KEY": jwt_keys.public_pem, "BR_PAYMENT_SIMULATED_DELAY_S": "-1"})

"""Access tokens: issued tokens verify with the shared verifier; every tampering is refused by the service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import replace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.auth.app import create_app
from services.auth.settings import Settings
from services.auth.tokens import TokenIssuer
from services.shared.settings import Secret, SettingsError
from tests.auth.harness import Account, Harness, bearer, error_code
from tests.support.tokens import KeyPair, load_private_key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned_parts(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _claims(account: Account, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": account.user_id,
        "tid": account.tenant_id,
        "role": "admin",
        "iss": "booking-rush-auth",
        "aud": "booking-rush",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return claims


def _forgeries(account: Account, keys: KeyPair) -> dict[str, str]:
    """Each a token an attacker could build; none must be accepted."""
    alg_none = _unsigned_parts({"alg": "none", "typ": "JWT"}, _claims(account)) + "."
    hs_parts = _unsigned_parts({"alg": "HS256", "typ": "JWT"}, _claims(account))
    hs_sig = hmac.new(keys.public_pem.encode(), hs_parts.encode(), hashlib.sha256).digest()
    other_rsa_key = load_private_key(KeyPair.generate().private_pem)
    header, payload, signature = account.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    own = keys.private_key
    return {
        "alg_none": alg_none,
        "hs256_with_public_key": f"{hs_parts}.{_b64(hs_sig)}",
        "other_rsa_key": jwt.encode(_claims(account), other_rsa_key, algorithm="RS256"),
        # Valid signatures under algorithms other than the pinned RS256: the alg header alone must not be trusted.
        "eddsa_signed": jwt.encode(_claims(account), Ed25519PrivateKey.generate(), algorithm="EdDSA"),
        "es256_signed": jwt.encode(_claims(account), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256"),
        "rs512_with_our_key": jwt.encode(_claims(account), own, algorithm="RS512"),
        "ps256_with_our_key": jwt.encode(_claims(account), own, algorithm="PS256"),
        "expired": jwt.encode(_claims(account, iat=1, exp=int(time.time()) - 60), own, "RS256"),
        "wrong_audience": jwt.encode(_claims(account, aud="someone-else"), own, "RS256"),
        "wrong_issuer": jwt.encode(_claims(account, iss="evil-auth"), own, "RS256"),
        "role_altered": f"{header}.{_b64(json.dumps(claims).encode())}.{signature}",
        "garbage": "not-a-jwt",
    }


async def test_tampered_tokens_are_rejected(auth: Harness, jwt_keys: KeyPair) -> None:
    await auth.admin("acme")
    account = await auth.customer("acme", "pat@x.test")
    assert jwt.get_unverified_header(account.access_token)["alg"] == "RS256"
    assert (await auth.client.get("/api/v1/users/me", headers=account.headers)).status_code == 200
    # The control: a correctly built RS256 token with our key IS accepted, so each refusal below is the forgery's.
    control = jwt.encode(_claims(account, role="customer"), jwt_keys.private_key, algorithm="RS256")
    assert (await auth.client.get("/api/v1/users/me", headers=bearer(control))).status_code == 200
    for name, token in _forgeries(account, jwt_keys).items():
        response = await auth.client.get("/api/v1/tenants", headers=bearer(token))
        assert response.status_code == 401, name
        assert error_code(response) == "invalid_token", name
    missing = await auth.client.get("/api/v1/users/me")
    assert missing.status_code == 401 and error_code(missing) == "invalid_token"


async def test_token_for_a_user_in_another_tenant_is_refused(auth: Harness, token_minter: Any) -> None:
    """A validly signed token whose (sub, tid) pair does not exist — e.g. a user id with a foreign tenant id."""
    await auth.admin("acme")
    other = await auth.admin("beta")
    account = await auth.customer("acme", "quinn@x.test")
    forged = token_minter.mint(user_id=account.user_id, tenant_id=other.tenant_id, role="admin")
    response = await auth.client.get("/api/v1/users/me", headers=bearer(forged))
    assert response.status_code == 401 and error_code(response) == "account_disabled"
    odd = token_minter.mint(user_id="not-a-uuid", tenant_id="also-not", role="admin")
    response = await auth.client.get("/api/v1/users/me", headers=bearer(odd))
    assert response.status_code == 401


def test_access_token_lifetime_is_capped(auth_settings: Settings) -> None:
    with pytest.raises(SettingsError):
        replace(auth_settings, access_token_ttl_s=901)
    issued = TokenIssuer(replace(auth_settings, access_token_ttl_s=60)).issue(
        user_id=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()), role="customer"
    )
    claims = jwt.decode(issued.token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60 and issued.expires_in == 60


def test_mismatched_key_pair_refuses_to_start(auth_settings: Settings) -> None:
    with pytest.raises(ValueError, match="does not match"):
        create_app(replace(auth_settings, jwt_private_key=Secret(KeyPair.generate().private_pem)))

"""Issuing credentials: RS256 (RSA) access tokens and opaque refresh tokens.

Access tokens are short-lived JWTs every service verifies offline with the public key
(``services.shared.tokens.TokenVerifier``). Refresh tokens are 256-bit random strings that only auth-service
understands; the database keeps their SHA-256, so a leaked sessions table cannot be replayed. A fast hash is
enough here (unlike passwords): the input is uniformly random, there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from services.auth.settings import Settings
from services.shared.tokens import JWT_ALGORITHM, MIN_RSA_KEY_BITS, InvalidToken, TokenVerifier

__all__ = ["AccessToken", "TokenIssuer", "hash_refresh_token", "new_refresh_token"]


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int
    jti: str


class TokenIssuer:
    def __init__(self, settings: Settings) -> None:
        key = load_pem_private_key(settings.jwt_private_key.reveal().encode(), password=None)
        if not isinstance(key, RSAPrivateKey):
            raise ValueError(
                f"BR_JWT_PRIVATE_KEY must be an RSA private key (PEM, PKCS#8) for {JWT_ALGORITHM}, "
                f"got {type(key).__name__}"
            )
        if key.key_size < MIN_RSA_KEY_BITS:
            raise ValueError(f"BR_JWT_PRIVATE_KEY is RSA-{key.key_size}; at least {MIN_RSA_KEY_BITS} bits are required")
        self._key = key
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._ttl = settings.access_token_ttl_s
        self.verifier = TokenVerifier(
            settings.jwt_public_key, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        )
        self._check_key_pair()

    def _check_key_pair(self) -> None:
        # A private key that does not match the configured public key would issue tokens nobody accepts; refuse
        # to start rather than fail every request.
        probe = self.issue(user_id=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()), role="customer")
        try:
            self.verifier.verify(probe.token)
        except InvalidToken as exc:
            raise ValueError(f"BR_JWT_PRIVATE_KEY does not match BR_JWT_PUBLIC_KEY: {exc}") from None

    def issue(self, *, user_id: str, tenant_id: str, role: str) -> AccessToken:
        now = int(time.time())
        jti = uuid.uuid4().hex
        claims = {
            "sub": user_id,
            "tid": tenant_id,
            "role": role,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "exp": now + self._ttl,
            "jti": jti,
        }
        return AccessToken(jwt.encode(claims, self._key, algorithm=JWT_ALGORITHM), self._ttl, jti)

"""Access-token verification for every service: public key only, algorithm pinned.

auth-service signs short-lived JWTs with an Ed25519 private key (EdDSA); every other service verifies them with
the public key alone — no shared secret, no call to auth-service on the hot path. Verification pins the algorithm
(so ``alg=none`` or an HMAC token signed with the public key as secret is refused) and requires ``iss``, ``aud``,
``exp``, ``sub``, ``tid`` (tenant id) and ``role``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

__all__ = ["JWT_ALGORITHM", "ROLES", "InvalidToken", "Principal", "TokenVerifier"]

JWT_ALGORITHM = "EdDSA"
ROLES = ("customer", "organizer", "admin")


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired, or signed by someone else."""


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    tenant_id: str
    role: str

    @property
    def is_staff(self) -> bool:
        """Organizer or admin: may act on their tenant's data, not only their own."""
        return self.role in ("organizer", "admin")


class TokenVerifier:
    def __init__(self, public_key_pem: str, *, issuer: str, audience: str, leeway_s: int = 5) -> None:
        key = load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the JWT public key must be an Ed25519 key (PEM, SubjectPublicKeyInfo)")
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_s

    def verify(self, token: str) -> Principal:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[JWT_ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "tid", "role"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        role = claims["role"]
        if role not in ROLES:
            raise InvalidToken(f"unknown role {role!r}")
        return Principal(user_id=str(claims["sub"]), tenant_id=str(claims["tid"]), role=str(role))

    def principal_from_header(self, authorization: str | None) -> Principal:
        if not authorization:
            raise InvalidToken("missing Authorization header")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise InvalidToken("Authorization header must be 'Bearer <token>'")
        return self.verify(token.strip())

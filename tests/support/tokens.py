"""RSA key pairs and RS256 access tokens for tests of services that only verify tokens."""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key

from deploy.jwt_keys import KEY_BITS, PUBLIC_EXPONENT
from services.shared.settings import DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER
from services.shared.tokens import JWT_ALGORITHM


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> KeyPair:
        """A NEW pair every call (≈ 0.5-2 s at 3072 bits): tests use it as "another key" that must be refused, so
        it is deliberately not cached; the shared pair is the session-scoped ``jwt_keys`` fixture."""
        key = generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS)  # same size as deployed
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public_pem = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        return cls(private_pem, public_pem)

    @property
    def private_key(self) -> RSAPrivateKey:
        """The parsed private key, for signing many tokens cheaply (see ``load_private_key``)."""
        return load_private_key(self.private_pem)


@functools.cache
def load_private_key(private_pem: str) -> RSAPrivateKey:
    # Parsing an RSA-3072 PEM costs ~0.1 s (cryptography validates the key), ~150x the signature itself, and PyJWT
    # re-parses a PEM string on every encode; parse each PEM once per process instead.
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise TypeError(f"expected an RSA private key, got {type(key).__name__}")
    return key


@dataclass(frozen=True)
class TokenMinter:
    keys: KeyPair
    issuer: str = DEFAULT_JWT_ISSUER
    audience: str = DEFAULT_JWT_AUDIENCE

    def mint(
        self,
        *,
        user_id: str | None = None,
        tenant_id: str | None = None,
        role: str = "customer",
        ttl_s: int = 600,
    ) -> str:
        now = int(time.time())
        claims = {
            "sub": user_id or str(uuid.uuid4()),
            "tid": tenant_id or str(uuid.uuid4()),
            "role": role,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.keys.private_key, algorithm=JWT_ALGORITHM)

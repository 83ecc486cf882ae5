"""Ed25519 key pairs and access tokens for tests of services that only verify tokens."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.shared.settings import DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER
from services.shared.tokens import JWT_ALGORITHM


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> KeyPair:
        key = Ed25519PrivateKey.generate()
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public_pem = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        return cls(private_pem, public_pem)


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
        return jwt.encode(claims, self.keys.private_pem, algorithm=JWT_ALGORITHM)

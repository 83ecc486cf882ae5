"""Throw-away RSA key pair and many pre-minted customer JWTs, written one file per wrk thread.

Same token shape as auth-service issues (and tests/support/tokens.py mints): RS256, sub/tid/role/iss/aud/iat/exp.
Signing costs ~0.7 ms per token here (RSA-3072), so a pool of 100k+ is minted by one process per core before any
server runs.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key

from deploy.jwt_keys import KEY_BITS, PUBLIC_EXPONENT
from services.shared.settings import DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER
from services.shared.tokens import JWT_ALGORITHM

__all__ = ["KeyPair", "mint_pool"]

_CHUNK = 5000


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> KeyPair:
        key = generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS)  # as deployed
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private.decode(), public.decode())


def _mint(private_pem: str, tenant_id: str, count: int, ttl_s: int) -> list[str]:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, RSAPrivateKey)  # parsed once per chunk: PyJWT would re-parse a PEM per token (~0.1 s)
    now = int(time.time())
    base = {"tid": tenant_id, "role": "customer", "iss": DEFAULT_JWT_ISSUER, "aud": DEFAULT_JWT_AUDIENCE,
            "iat": now, "exp": now + ttl_s}  # fmt: skip
    return [jwt.encode({**base, "sub": str(uuid.uuid4())}, key, algorithm=JWT_ALGORITHM) for _ in range(count)]


def mint_pool(keys: KeyPair, tenant_id: str, users: int, threads: int, out_dir: Path, *, ttl_s: int = 3600) -> None:
    """``users`` tokens (one distinct user each) for ``tenant_id``, dealt round-robin into
    ``out_dir/tokens-<i>.txt`` for wrk threads 0..threads-1."""
    chunks = [min(_CHUNK, users - start) for start in range(0, users, _CHUNK)]
    with ProcessPoolExecutor() as pool:
        minted = pool.map(_mint, *zip(*[(keys.private_pem, tenant_id, n, ttl_s) for n in chunks], strict=True))
        tokens = [token for chunk in minted for token in chunk]
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(threads):
        (out_dir / f"tokens-{i}.txt").write_text("\n".join(tokens[i::threads]) + "\n")

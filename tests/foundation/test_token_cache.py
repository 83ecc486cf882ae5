"""The shared token verifier's cache: only byte-identical, already verified, unexpired tokens are served from it."""

from __future__ import annotations

import time

import pytest

from services.shared.tokens import InvalidToken, TokenVerifier
from tests.support.tokens import KeyPair, TokenMinter


def _verifier(keys: KeyPair, *, leeway_s: int = 5, cache_size: int = 50_000) -> TokenVerifier:
    minter = TokenMinter(keys)
    return TokenVerifier(
        keys.public_pem, issuer=minter.issuer, audience=minter.audience, leeway_s=leeway_s, cache_size=cache_size
    )


def test_a_verified_token_is_remembered_and_a_tampered_copy_is_not(
    jwt_keys: KeyPair, token_minter: TokenMinter
) -> None:
    verifier = _verifier(jwt_keys)
    token = token_minter.mint(user_id="u-1", tenant_id="t-1")
    assert verifier.verify(token).user_id == "u-1"
    assert verifier.cached_tokens == 1
    assert verifier.verify(token).tenant_id == "t-1"
    assert verifier.cached_tokens == 1
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])
    with pytest.raises(InvalidToken):
        verifier.verify(tampered)
    assert verifier.cached_tokens == 1


def test_a_remembered_token_is_refused_once_it_expires(jwt_keys: KeyPair, token_minter: TokenMinter) -> None:
    verifier = _verifier(jwt_keys, leeway_s=0)
    token = token_minter.mint(ttl_s=1)
    verifier.verify(token)
    time.sleep(2.1)  # exp has one-second granularity
    with pytest.raises(InvalidToken):
        verifier.verify(token)
    assert verifier.cached_tokens == 0


def test_the_cache_is_bounded(jwt_keys: KeyPair, token_minter: TokenMinter) -> None:
    verifier = _verifier(jwt_keys, cache_size=2)
    for _ in range(5):
        verifier.verify(token_minter.mint())
    assert verifier.cached_tokens == 2

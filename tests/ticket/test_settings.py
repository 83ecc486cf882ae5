"""Settings fail fast, name the bad key, and never print secrets."""

from __future__ import annotations

import pytest

from services.shared.settings import SettingsError
from services.ticket import Settings, create_app
from tests.support.tokens import KeyPair


def test_defaults_and_secrets(jwt_keys: KeyPair) -> None:
    settings = Settings.from_env({"BR_JWT_PUBLIC_KEY": jwt_keys.public_pem})
    assert (settings.port, settings.host, settings.engine_key_prefix, settings.workers) == (8002, "127.0.0.1", "br", 1)
    assert "ticket_svc_pw" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({}, "BR_JWT_PUBLIC_KEY"),
        ({"BR_TICKET_PORT": "http"}, "BR_TICKET_PORT"),
        ({"BR_ENGINE_KEY_PREFIX": "a:b"}, "BR_ENGINE_KEY_PREFIX"),
        ({"BR_TICKET_DB_POOL_MIN": "5", "BR_TICKET_DB_POOL_MAX": "2"}, "BR_TICKET_DB_POOL_MAX"),
    ],
)
def test_bad_settings_name_the_key(jwt_keys: KeyPair, env: dict[str, str], key: str) -> None:
    if key != "BR_JWT_PUBLIC_KEY":
        env = {"BR_JWT_PUBLIC_KEY": jwt_keys.public_pem, **env}
    with pytest.raises(SettingsError, match=key):
        Settings.from_env(env)


def test_consumer_settings_need_no_key_but_the_app_does() -> None:
    settings = Settings.from_env({}, require_jwt=False)
    assert settings.jwt_public_key_pem is None
    with pytest.raises(SettingsError, match="BR_JWT_PUBLIC_KEY"):
        create_app(settings)

"""The create-admin CLI (idempotent bootstrap) and settings validation."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from services.auth.settings import Settings
from services.shared.settings import SettingsError
from tests.auth.harness import PASSWORD, Harness
from tests.support.tokens import KeyPair


async def _cli(dsn: str, *args: str) -> tuple[int, dict[str, Any] | str]:
    env = {**os.environ, "BR_AUTH_DB_DSN": dsn}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.auth", "create-admin", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    code = process.returncode
    assert code is not None
    return code, (json.loads(out) if code == 0 else err.decode())


def _args(slug: str, email: str, password: str = PASSWORD) -> list[str]:
    return ["--tenant-slug", slug, "--tenant-name", slug.title(), "--email", email, "--password", password]


async def test_create_admin_cli_is_idempotent(auth: Harness) -> None:
    code, first = await _cli(auth.dsn, *_args("root", "Root@Root.test"))
    assert code == 0, first
    assert isinstance(first, dict)
    assert first["tenant_created"] and first["user_created"] and first["platform"]  # first tenant: platform
    code, again = await _cli(auth.dsn, *_args("root", "root@root.test"))
    assert code == 0 and isinstance(again, dict)
    assert (again["tenant_id"], again["user_id"]) == (first["tenant_id"], first["user_id"])
    assert not (again["tenant_created"] or again["user_created"] or again["user_updated"])
    assert [r["event_type"] for r in await auth.outbox()] == ["tenant.created", "user.created"]

    admin = await auth.account("root", "root@root.test")
    created = await auth.client.post("/api/v1/tenants", json={"name": "Shop", "slug": "shop"}, headers=admin.headers)
    assert created.status_code == 201  # the bootstrapped admin is a platform admin

    # A second tenant is not platform unless asked; re-running with a new password resets it.
    code, second = await _cli(auth.dsn, *_args("other", "boss@other.test"))
    assert code == 0 and isinstance(second, dict) and not second["platform"]
    code, reset = await _cli(auth.dsn, *_args("other", "boss@other.test", "a-new-password"))
    assert code == 0 and isinstance(reset, dict) and reset["user_updated"]
    assert (await auth.login("other", "boss@other.test", "a-new-password")).status_code == 200
    code, flagged = await _cli(auth.dsn, *_args("other", "boss@other.test", "a-new-password"), "--platform")
    assert code == 0 and isinstance(flagged, dict) and flagged["platform"]


async def test_create_admin_cli_refuses_bad_input(auth: Harness) -> None:
    code, message = await _cli(auth.dsn, *_args("root", "root@root.test", "short"))
    assert code == 2 and "password" in str(message)
    assert await auth.fetchval("SELECT count(*) FROM tenants") == 0


def _env(keys: KeyPair, **extra: str) -> dict[str, str]:
    return {"BR_JWT_PRIVATE_KEY": keys.private_pem, "BR_JWT_PUBLIC_KEY": keys.public_pem, **extra}


def test_settings_from_env(jwt_keys: KeyPair, tmp_path: Path) -> None:
    settings = Settings.from_env(_env(jwt_keys, BR_AUTH_PORT="9001", BR_AUTH_WORKERS="4"))
    assert (settings.port, settings.workers, settings.access_token_ttl_s) == (9001, 4, 900)
    assert "BEGIN" not in repr(settings.jwt_private_key)
    (tmp_path / "priv.pem").write_text(jwt_keys.private_pem)
    (tmp_path / "pub.pem").write_text(jwt_keys.public_pem)
    from_files = Settings.from_env(
        {"BR_JWT_PRIVATE_KEY_FILE": str(tmp_path / "priv.pem"), "BR_JWT_PUBLIC_KEY_FILE": str(tmp_path / "pub.pem")}
    )
    assert from_files.jwt_public_key == jwt_keys.public_pem


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("BR_AUTH_ACCESS_TOKEN_TTL_S", "901"),
        ("BR_AUTH_ACCESS_TOKEN_TTL_S", "0"),
        ("BR_AUTH_ARGON2_MEMORY_KIB", "8192"),
        ("BR_AUTH_ARGON2_TIME_COST", "1"),
        ("BR_AUTH_PORT", "http"),
    ],
)
def test_settings_refuse_weak_or_bad_values(jwt_keys: KeyPair, key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        Settings.from_env(_env(jwt_keys, **{key: value}))


def test_settings_require_the_keys() -> None:
    with pytest.raises(SettingsError, match="BR_JWT_PRIVATE_KEY"):
        Settings.from_env({})

"""Command line: ``python -m services.auth serve`` and ``python -m services.auth create-admin ...``.

The only module of auth-service that reads ``os.environ``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from collections.abc import Sequence

import orjson
from starlette.applications import Starlette

from services.auth.app import SERVICE, create_app
from services.auth.bootstrap import BootstrapError, create_admin
from services.auth.passwords import Passwords
from services.auth.settings import PasswordPolicy, Settings, database_dsn
from services.shared.db import create_pool
from services.shared.observability import configure_logging
from services.shared.serve import serve
from services.shared.settings import SettingsError


def app_factory() -> Starlette:
    """uvicorn calls this in every worker process (``factory=True``), so each one configures its own logging."""
    settings = Settings.from_env(os.environ)
    configure_logging(SERVICE, settings.log_level)
    return create_app(settings)


def _serve() -> int:
    serve(SERVICE, "services.auth.__main__:app_factory", lambda: Settings.from_env(os.environ))
    return 0


async def _create_admin(args: argparse.Namespace) -> int:
    policy = PasswordPolicy.from_env(os.environ)
    if not policy.min_length <= len(args.password) <= policy.max_length:
        print(f"--password must be {policy.min_length}..{policy.max_length} characters", file=sys.stderr)
        return 2
    passwords = await asyncio.to_thread(Passwords, policy)
    pool = await create_pool(database_dsn(os.environ).reveal(), min_size=1, max_size=2)
    try:
        result = await create_admin(
            pool,
            passwords,
            tenant_slug=args.tenant_slug,
            tenant_name=args.tenant_name,
            email=args.email,
            password=args.password,
            platform=args.platform,
        )
    except BootstrapError as exc:
        print(f"create-admin: {exc}", file=sys.stderr)
        return 1
    finally:
        await pool.close()
    print(orjson.dumps(dataclasses.asdict(result)).decode())
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.auth", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP service (BR_AUTH_HOST, BR_AUTH_PORT, BR_AUTH_WORKERS)")
    admin = commands.add_parser("create-admin", help="create (or repair) a tenant and its admin; idempotent")
    admin.add_argument("--tenant-slug", required=True)
    admin.add_argument("--tenant-name", required=True)
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument(
        "--platform",
        action="store_true",
        help="mark the tenant as the platform tenant (its admins manage all tenants); "
        "the first tenant of an empty database always is",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve()
        return asyncio.run(_create_admin(args))
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Running a service under uvicorn the same way everywhere: uvloop, httptools, N workers, JSON logs.

Each worker process imports ``factory_path`` (``"services.x.__main__:app_factory"``) and builds its own app from
the environment, so pools are per worker; the parent reads the settings first so a bad setting fails before any
worker starts, with a one-line error naming the key (exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Protocol

import uvicorn

from services.shared.settings import SettingsError

__all__ = ["ServerSettings", "serve"]


class ServerSettings(Protocol):
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def workers(self) -> int: ...
    @property
    def log_level(self) -> str: ...


def serve(service: str, factory_path: str, load_settings: Callable[[], ServerSettings]) -> None:
    from services.shared.observability import configure_logging

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(service, settings.log_level)
    uvicorn.run(
        factory_path,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )

"""``python -m services.ticket``: serve ticket-service with uvicorn (uvloop; httptools when installed)."""

from __future__ import annotations

import importlib.util
import os

import uvicorn

from services.shared.observability import configure_logging
from services.ticket.settings import Settings


def main() -> None:
    settings = Settings.from_env(os.environ)
    configure_logging("ticket-service", settings.log_level)
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    # Workers re-import the app from a factory string; it reads the same environment.
    uvicorn.run(
        "services.ticket.__main__:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http=http,
        log_config=None,
        access_log=False,
    )


def app_from_env() -> object:
    configure_logging("ticket-service", os.environ.get("BR_LOG_LEVEL", "INFO"))
    from services.ticket.app import create_app

    return create_app(Settings.from_env(os.environ))


if __name__ == "__main__":
    main()

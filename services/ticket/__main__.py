"""``python -m services.ticket``: serve ticket-service with uvicorn (see services/shared/serve.py)."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from services.shared.observability import configure_logging
from services.shared.serve import serve
from services.ticket.settings import Settings


def app_from_env() -> Starlette:
    """Imported by each uvicorn worker process (``factory=True``): settings are re-read there."""
    from services.ticket.app import create_app

    settings = Settings.from_env(os.environ)
    configure_logging("ticket-service", settings.log_level)
    return create_app(settings)


def main() -> None:
    serve("ticket-service", "services.ticket.__main__:app_from_env", lambda: Settings.from_env(os.environ))


if __name__ == "__main__":
    main()

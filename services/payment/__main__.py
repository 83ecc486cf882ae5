"""``python -m services.payment``: serve payment-service with uvicorn (see services/shared/serve.py)."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from services.payment.app import SERVICE, create_app
from services.payment.settings import Settings
from services.shared.observability import configure_logging
from services.shared.serve import serve


def _factory() -> Starlette:
    # uvicorn's workers import the app by name in fresh processes; each builds it (and its logging) itself.
    settings = Settings.from_env(os.environ)
    configure_logging(SERVICE, settings.log_level)
    return create_app(settings)


def main() -> None:
    serve(SERVICE, "services.payment.__main__:_factory", lambda: Settings.from_env(os.environ))


if __name__ == "__main__":
    main()

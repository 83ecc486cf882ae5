"""``python -m deploy.split``: copy the shared ``booking_rush`` database into the four service databases.

    python -m deploy.split --source postgresql://.../booking_rush            # copy (or resume), then verify
    python -m deploy.split --source ... --verify-only                        # compare only, change nothing
    python -m deploy.split --source ... --auth DSN --ticket DSN --booking DSN --payment DSN --batch-size 10000

Targets default to BR_<DB>_DSN, then services.shared.settings.DEFAULT_DSNS. Exit codes: 0 copied and verified,
1 verification mismatch (named), 2 could not run (one-line reason), 3 stopped by --max-batches (rerun resumes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence

import asyncpg

from deploy.migrate import MigrationError, dsn_for
from deploy.split.plan import SplitError
from deploy.split.runner import SplitConfig, run_split
from deploy.split.tables import DATABASE_ORDER

EXIT_CANNOT_RUN = 2
_EXPECTED = (
    SplitError,
    MigrationError,
    OSError,
    TimeoutError,
    ValueError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parse_args(argv: Sequence[str] | None, environ: Mapping[str, str]) -> SplitConfig:
    parser = argparse.ArgumentParser(prog="python -m deploy.split", description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="DSN of the shared booking_rush database")
    for database in DATABASE_ORDER:
        short = database.removesuffix("_db")
        parser.add_argument(f"--{short}", metavar="DSN", help=f"{database} DSN (default BR_{database.upper()}_DSN)")
    parser.add_argument("--batch-size", type=_positive, default=5000, help="rows per batch (default 5000)")
    parser.add_argument("--verify-only", action="store_true", help="compare source and targets, copy nothing")
    parser.add_argument("--max-batches", type=_positive, help="stop after N batches per target database (resumable)")
    args = parser.parse_args(argv)
    targets = {db: getattr(args, db.removesuffix("_db")) or dsn_for(db, environ) for db in DATABASE_ORDER}
    return SplitConfig(
        source_dsn=args.source,
        target_dsns=targets,
        batch_size=args.batch_size,
        verify_only=args.verify_only,
        max_batches=args.max_batches,
        log=lambda line: print(line, flush=True),
    )


def _leaf(exc: BaseException) -> BaseException:
    # asyncio.TaskGroup wraps a worker's failure in an ExceptionGroup; report the first real cause.
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv, os.environ)
    try:
        return asyncio.run(run_split(cfg)).exit_code
    except (*_EXPECTED, BaseExceptionGroup) as exc:
        leaf = _leaf(exc)
        if not isinstance(leaf, _EXPECTED):
            raise
        detail = str(leaf).splitlines()[0] if str(leaf) else ""
        print(
            f"split: {type(leaf).__name__}: {detail}" if not isinstance(leaf, SplitError) else f"split: {leaf}",
            file=sys.stderr,
        )
        return EXIT_CANNOT_RUN


if __name__ == "__main__":
    raise SystemExit(main())

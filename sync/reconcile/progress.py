"""Progress lines on stderr for long runs (cron mails stderr; humans watching a rebuild see it move)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TextIO

__all__ = ["Progress", "reporting"]


@dataclass(slots=True)
class Progress:
    what: str
    total: int = 0
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        pct = 100.0 * self.done / self.total if self.total else 100.0
        return f"{self.what}: {self.done}/{self.total} zones ({pct:.0f}%) in {time.monotonic() - self.started:.1f}s"


@contextlib.asynccontextmanager
async def reporting(progress: Progress, every_s: float, out: TextIO | None = None) -> AsyncIterator[Progress]:
    """Print ``progress.line()`` every ``every_s`` seconds while the body runs, and once at the end."""
    stream = sys.stderr if out is None else out

    async def tick() -> None:
        while True:
            await asyncio.sleep(every_s)
            print(progress.line(), file=stream, flush=True)

    task = asyncio.create_task(tick()) if every_s > 0 else None
    try:
        yield progress
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        print(progress.line(), file=stream, flush=True)

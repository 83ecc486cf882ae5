"""Micro-batching: concurrent calls in one process share Redis round trips.

No timer: the first call after an idle spell is sent on the next event-loop tick, and calls that arrive
while a batch is in flight queue up and go together as the next batch (at most ``max_size``). So a lone
call pays no added latency, and under load batches grow by themselves to match the round-trip time."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(slots=True)
class BatchStats:
    """Observable counters (tests use them to prove coalescing)."""

    calls: int = 0
    batches: int = 0
    largest: int = 0
    round_trips: int = 0  # Redis calls made for the batches (one per event in a batch)


class MicroBatcher(Generic[T, R]):
    """Feeds queued items to ``send`` in order; ``send`` returns one result or exception per item."""

    def __init__(self, send: Callable[[list[T]], Awaitable[list[R | BaseException]]], max_size: int) -> None:
        if max_size < 1:
            raise ValueError("max_size must be >= 1")
        self._send = send
        self._max_size = max_size
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._runner: asyncio.Task[None] | None = None
        self.stats = BatchStats()

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        self.stats.calls += 1
        if self._runner is None:
            self._runner = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self._max_size]
                del self._queue[: self._max_size]
                self.stats.batches += 1
                self.stats.largest = max(self.stats.largest, len(batch))
                await self._run_batch(batch)
        finally:
            self._runner = None

    async def _run_batch(self, batch: list[tuple[T, "asyncio.Future[R]"]]) -> None:
        try:
            results = await self._send([item for item, _ in batch])
        except Exception as exc:  # the whole round trip failed: every caller in it sees the error
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # caller was cancelled; its reservation may still have been made
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

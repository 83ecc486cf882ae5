"""CPU accounting from /proc around one wrk run: how the two cores were shared between the server under test,
wrk, and everything else (Redis, PostgreSQL, ticket-service, other people's test runs)."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuProbe", "CpuShare"]

_TICK = os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    # First line of /proc/stat: user nice system idle iowait irq softirq steal ... (ticks, all cores).
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / _TICK


def _group_seconds(pgid: int) -> float:
    """CPU time of the live processes in process group ``pgid`` (a server's supervisor and its workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:  # exited meanwhile
            continue
        fields = raw.rsplit(")", 1)[1].split()  # after "(comm)": state ppid pgrp ... utime(12) stime(13)
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # reaped children only: here, the finished wrk
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuShare:
    """Cores busy on average during the run (2.0 = both cores fully busy)."""

    server: float
    wrk: float
    other: float

    @property
    def total(self) -> float:
        return self.server + self.wrk + self.other


class CpuProbe:
    def __init__(self, server_pgids: list[int]) -> None:
        self._pgids = server_pgids
        self._start = self._sample()

    def _sample(self) -> tuple[float, float, float, float]:
        server = sum(_group_seconds(pgid) for pgid in self._pgids)
        return time.monotonic(), _busy_seconds(), server, _children_seconds()

    def finish(self) -> CpuShare:
        end = self._sample()
        wall, busy, server, wrk = (b - a for a, b in zip(self._start, end, strict=True))
        return CpuShare(server / wall, wrk / wall, max(0.0, busy - server - wrk) / wall)

"""One wrk run with booking.lua: requests/s, latency percentiles and the status codes the server answered."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SCRIPT", "Target", "WrkResult", "run_wrk"]

SCRIPT = Path(__file__).with_name("booking.lua")


@dataclass(frozen=True)
class Target:
    """What one request books: the URL and the ids that go into its JSON body."""

    url: str
    event_id: str
    show_id: str
    zone_id: str


@dataclass(frozen=True)
class WrkResult:
    connections: int
    requests: int  # responses received within the window
    seconds: float
    sent: int  # requests started (the difference to ``requests`` was in flight when wrk stopped)
    wrapped: int  # requests whose user (token) had been used before
    p50_ms: float
    p99_ms: float
    status: dict[int, int]
    socket_errors: dict[str, int]  # connect/read/write/timeout: a run with these is suspect
    sent_per_thread: tuple[int, ...]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def count(self, *codes: int) -> int:
        return sum(self.status.get(code, 0) for code in codes)

    def unexpected(self, *expected: int) -> int:
        """Responses with another status plus socket errors."""
        others = sum(n for code, n in self.status.items() if code not in expected)
        return others + sum(self.socket_errors.values())


def run_wrk(
    target: Target, *, connections: int, seconds: int, threads: int, tokens_dir: Path, tag: str, start: list[int]
) -> WrkResult:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s",
           "-s", str(SCRIPT), target.url, "--", str(tokens_dir), tag, target.event_id, target.show_id,
           target.zone_id, *map(str, start)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    line = proc.stdout.strip().splitlines()[-1]
    data = json.loads(line)
    errors = {k: int(v) for k, v in data["errors"].items() if k != "status"}
    return WrkResult(
        connections=connections,
        requests=int(data["requests"]),
        seconds=int(data["duration_us"]) / 1e6,
        sent=int(data["sent"]),
        wrapped=int(data["wrapped"]),
        p50_ms=int(data["p50_us"]) / 1000,
        p99_ms=int(data["p99_us"]) / 1000,
        status={int(k): int(v) for k, v in data["status"].items()},
        socket_errors=errors,
        sent_per_thread=tuple(int(n) for n in data["sent_per_thread"]),
    )

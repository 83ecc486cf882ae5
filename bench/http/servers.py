"""Server processes under test: started in their own process group on a free port, stopped gracefully (so the
booking-service's group-commit writer drains its queue) and killed only if they hang."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["UVICORN_FLAGS", "Server", "free_port", "start_server"]

# The settings every server in the comparison shares; services/<svc>/__main__.py runs uvicorn the same way.
UVICORN_FLAGS = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pgid(self) -> int:
        return self.proc.pid  # start_new_session: the server leads its own group

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # uvicorn's supervisor stops its workers, each runs its lifespan exit
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.pgid, signal.SIGKILL)
            self.proc.wait()
            raise RuntimeError(f"{self.name} did not stop within {timeout_s:g} s; killed (log: {self.log})") from None

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_server(name: str, args: list[str], env: dict[str, str], port: int, log_dir: Path, ready: str) -> Server:
    """``python <args>`` with ``env`` added to ours; returns once ``GET ready`` answers below 500."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, *args], env={**os.environ, **env}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    server = Server(name, port, proc, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.tail()}")
        try:
            if httpx.get(f"{server.url}{ready}", timeout=1.0).status_code < 500:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} not ready within 60 s:\n{server.tail()}")

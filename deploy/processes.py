"""Start, stop and list the application processes of the local main job (one log file per process).

    python -m deploy.processes up       start every process that is not running, wait until services answer
    python -m deploy.processes down     SIGTERM each process group, SIGKILL after a grace period
    python -m deploy.processes status

Pid files live in .stack/run/, logs in .stack/logs/<name>.log. Every process gets the same BR_* environment the
services read their settings from, so a process started here behaves as it would under systemd or Kubernetes.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STACK_DIR = Path(os.environ.get("BR_STACK_DIR", str(REPO / ".stack")))
RUN_DIR = STACK_DIR / "run"
LOG_DIR = STACK_DIR / "logs"
KEY_DIR = STACK_DIR / "keys"
# relays 9101-9104 (auth, ticket, booking, payment), consumers 9111-9113 (ticket, booking, payment), expiry 9121
METRICS_PORTS = {"relay": 9101, "consumer": 9111, "expiry": 9121}


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: tuple[str, ...]
    health_url: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)


def process_table(environ: Mapping[str, str]) -> list[ProcessSpec]:
    python = sys.executable
    booking_workers = environ.get("BR_BOOKING_WORKERS", "2")
    specs = [
        ProcessSpec(
            "auth-service",
            (python, "-m", "services.auth", "serve"),
            "http://127.0.0.1:8001/healthz",
            {"BR_JWT_PRIVATE_KEY_FILE": str(KEY_DIR / "jwt_private.pem")},
        ),
        ProcessSpec("ticket-service", (python, "-m", "services.ticket"), "http://127.0.0.1:8002/healthz"),
        ProcessSpec(
            "booking-service",
            (python, "-m", "services.booking"),
            "http://127.0.0.1:8003/healthz",
            {"BR_BOOKING_WORKERS": booking_workers},
        ),
        ProcessSpec(
            "payment-service",
            (python, "-m", "services.payment"),
            "http://127.0.0.1:8004/healthz",
            {"BR_PAYMENT_WORKERS": environ.get("BR_PAYMENT_WORKERS", "2")},
        ),
    ]
    # Each worker serves Prometheus /metrics on its own port (see README "Monitoring").
    for index, database in enumerate(("auth_db", "ticket_db", "booking_db", "payment_db")):
        port = str(METRICS_PORTS["relay"] + index)
        specs.append(
            ProcessSpec(f"relay-{database}", (python, "-m", "sync", "relay", "--db", database, "--metrics-port", port))
        )
    for index, service in enumerate(("ticket", "booking", "payment")):
        port = str(METRICS_PORTS["consumer"] + index)
        specs.append(
            ProcessSpec(f"consumer-{service}", (python, "-m", "sync", "consume", service, "--metrics-port", port))
        )
    specs.append(
        ProcessSpec("expiry-worker", (python, "-m", "sync", "expire", "--metrics-port", str(METRICS_PORTS["expiry"])))
    )
    return specs


def _pidfile(name: str) -> Path:
    return RUN_DIR / f"{name}.pid"


def _running_pid(name: str) -> int | None:
    try:
        pid = int(_pidfile(name).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    """True while the process runs. A child of ours that exited is reaped here: until then it is a zombie,
    which ``kill(pid, 0)`` still reports as present (a test session that started the processes is their parent)."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child: its own parent reaps it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True  # no /proc: trust kill(pid, 0)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback URL from our own table
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def base_environment(environ: Mapping[str, str]) -> dict[str, str]:
    env = dict(environ)
    env.setdefault("BR_JWT_PUBLIC_KEY_FILE", str(KEY_DIR / "jwt_public.pem"))
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def up(specs: Sequence[ProcessSpec], environ: Mapping[str, str], wait_s: float = 60.0) -> int:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = base_environment(environ)
    for spec in specs:
        if _running_pid(spec.name) is not None:
            print(f"  {spec.name:<18} already running")
            continue
        log = (LOG_DIR / f"{spec.name}.log").open("ab")
        process = subprocess.Popen(
            spec.argv, cwd=REPO, env={**env, **spec.env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        _pidfile(spec.name).write_text(str(process.pid))
        print(f"  {spec.name:<18} started (pid {process.pid}, log {LOG_DIR / (spec.name + '.log')})")
    deadline = time.monotonic() + wait_s
    waiting = [spec for spec in specs if spec.health_url]
    while waiting and time.monotonic() < deadline:
        waiting = [spec for spec in waiting if spec.health_url and not _healthy(spec.health_url)]
        dead = [spec.name for spec in specs if _running_pid(spec.name) is None]
        if dead:
            print(f"processes exited during start-up: {', '.join(dead)} (see their logs in {LOG_DIR})", file=sys.stderr)
            return 1
        if waiting:
            time.sleep(0.5)
    if waiting:
        print(f"not healthy after {wait_s:.0f}s: {', '.join(s.name for s in waiting)}", file=sys.stderr)
        return 1
    return 0


def down(specs: Sequence[ProcessSpec], grace_s: float = 15.0) -> int:
    for spec in reversed(specs):
        pid = _running_pid(spec.name)
        if pid is None:
            _pidfile(spec.name).unlink(missing_ok=True)
            continue
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while _running_pid(spec.name) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        if _running_pid(spec.name) is not None:
            os.killpg(pid, signal.SIGKILL)
        _pidfile(spec.name).unlink(missing_ok=True)
        print(f"  {spec.name:<18} stopped")
    return 0


def status(specs: Sequence[ProcessSpec]) -> int:
    code = 0
    for spec in specs:
        pid = _running_pid(spec.name)
        healthy = "" if spec.health_url is None else (" healthy" if _healthy(spec.health_url) else " NOT answering")
        state = f"running (pid {pid}){healthy}" if pid else "stopped"
        if pid is None or "NOT" in healthy:
            code = 1
        where = f"  {spec.health_url.removesuffix('/healthz')}" if spec.health_url else ""
        print(f"  {spec.name:<18} {state}{where}")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.processes", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("up", "down", "status"))
    args = parser.parse_args(argv)
    specs = process_table(os.environ)
    if args.command == "up":
        return up(specs, os.environ)
    if args.command == "down":
        return down(specs)
    return status(specs)


if __name__ == "__main__":
    raise SystemExit(main())

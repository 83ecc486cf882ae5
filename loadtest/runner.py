"""One load-test run: Locust (headless with a bounded duration, or the web UI) → drain → audit → report."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtest.audit.__main__ import print_verdict
from loadtest.audit.core import AuditError, run_audit
from loadtest.endpoints import Endpoints
from loadtest.report import build_report, write_report
from loadtest.target import REPO, load_target

__all__ = ["RunOptions", "run"]

DEFAULT_CONFIG = REPO / "loadtest" / "flash_sale.conf"
DEFAULT_REPORTS = REPO / "loadtest" / "reports"


@dataclass
class RunOptions:
    users: int = 1000
    spawn_rate: float = 500.0
    duration_s: int = 60
    headless: bool = True
    demo: Path = REPO / ".stack" / "demo.json"
    config: Path = DEFAULT_CONFIG
    reports_dir: Path = DEFAULT_REPORTS
    run_id: str = ""
    drain_timeout_s: float = 90.0
    settle_timeout_s: float = 20.0
    web_port: int = 8089
    locust_args: Sequence[str] = field(default_factory=tuple)  # passed through, e.g. --pay-fraction 0.5


def _locust_command(options: RunOptions, out: Path) -> list[str]:
    command = [
        sys.executable, "-m", "locust",
        "--config", str(options.config),
        "-f", str(REPO / "loadtest" / "locustfile.py"),
        "--demo-file", str(options.demo),
        "--users", str(options.users),
        "--spawn-rate", str(options.spawn_rate),
        "--csv", str(out / "locust"),
        "--csv-full-history",
        "--outcomes-file", str(out / "outcomes.json"),
        "--html", str(out / "locust.html"),
    ]  # fmt: skip
    if options.headless:
        command += ["--headless", "--run-time", f"{options.duration_s}s", "--only-summary"]
    else:
        command += ["--web-host", "127.0.0.1", "--web-port", str(options.web_port)]
    return command + list(options.locust_args)


def _run_locust(options: RunOptions, out: Path) -> int:
    command = _locust_command(options, out)
    (out / "locust_command.txt").write_text(" ".join(command) + "\n")
    if options.headless:
        with (out / "locust.log").open("w") as log:
            # a hard bound in case Locust hangs on shutdown: duration + generous grace
            try:
                done = subprocess.run(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                      timeout=options.duration_s + 120, check=False)  # fmt: skip
            except subprocess.TimeoutExpired:
                return -1
        return done.returncode
    print(f"Locust web UI: http://127.0.0.1:{options.web_port}  (start/stop the test there; Ctrl-C here when done)")
    process = subprocess.Popen(command, cwd=REPO)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)  # Locust writes its CSVs and the outcomes file on the way out
        return process.wait(timeout=60)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
        return loaded
    except (OSError, ValueError):
        return {}


def run(options: RunOptions) -> int:
    """0: audit passed and every replay matched; 1: audit (or replay check) failed; 2: could not run."""
    target = load_target(options.demo)
    run_id = options.run_id or time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    out = options.reports_dir / run_id
    out.mkdir(parents=True, exist_ok=True)
    print(f"run {run_id}: {options.users} buyers at {options.spawn_rate}/s for {options.duration_s}s "
          f"against event {target.event_id} ({target.capacity} seats) via {target.gateway}")  # fmt: skip
    locust_code = _run_locust(options, out)
    print(f"locust exited with {locust_code} (1 = some requests failed); log: {out / 'locust.log'}")
    if not Path(f"{out / 'locust'}_stats.csv").exists():
        print("locust wrote no statistics; see the log", file=sys.stderr)
        return 2
    try:
        audit_result = asyncio.run(
            run_audit(
                target.event_id,
                Endpoints.from_env(os.environ),
                drain_timeout_s=options.drain_timeout_s,
                settle_timeout_s=options.settle_timeout_s,
            )
        )
        print_verdict(audit_result)
        audit = audit_result.to_json()
    except AuditError as exc:
        print(f"audit could not run: {exc}", file=sys.stderr)
        audit = {"verdict": "error", "error": str(exc), "failed_checks": [], "checks": []}
    outcomes = _read_json(out / "outcomes.json")
    mismatches = int(outcomes.get("counts", {}).get("retry_mismatch", 0))
    config = {
        "users": options.users,
        "spawn_rate": options.spawn_rate,
        "duration_s": options.duration_s if options.headless else None,
        "headless": options.headless,
        "locust_args": list(options.locust_args),
        "locust_exit_code": locust_code,
        "event_id": target.event_id,
        "capacity": target.capacity,
        "zones": len(target.zones),
        "gateway": target.gateway,
    }
    report = build_report(run_id, out / "locust", outcomes, audit, config)
    report["client_replay_mismatches"] = mismatches
    write_report(out, report)
    print(f"report: {out / 'summary.md'}, {out / 'report.json'}, {out / 'report.png'}")
    if audit["verdict"] == "error":
        return 2
    if audit["verdict"] != "pass" or mismatches:
        if mismatches:
            print(f"{mismatches} idempotent retries returned a different booking", file=sys.stderr)
        return 1
    return 0

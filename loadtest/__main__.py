"""python -m loadtest run [--users N --spawn-rate R --duration S] [--headless | --web] [--demo FILE] [locust args]

Runs the flash-sale Locust scenario, waits for the saga to drain, audits the whole system and writes
loadtest/reports/<run id>/ (report.json, report.png, summary.md). Exit 0 pass, 1 audit failed, 2 could not run.
Unknown options go to Locust, e.g. ``--pay-fraction 0.5 --exclude-tags login``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from loadtest.runner import DEFAULT_CONFIG, DEFAULT_REPORTS, RunOptions, run
from loadtest.target import DEFAULT_DEMO_FILE, TargetError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="Locust + drain + audit + report")
    run_parser.add_argument("--users", type=int, default=1000, help="buyers in the spike")
    run_parser.add_argument("--spawn-rate", type=float, default=500.0, help="buyers arriving per second")
    run_parser.add_argument("--duration", type=int, default=60, help="seconds (headless)")
    mode = run_parser.add_mutually_exclusive_group()
    mode.add_argument("--headless", dest="headless", action="store_true", default=True, help="(default)")
    mode.add_argument("--web", dest="headless", action="store_false", help="Locust web UI on --web-port")
    run_parser.add_argument("--web-port", type=int, default=8089)
    run_parser.add_argument("--demo", type=Path, default=DEFAULT_DEMO_FILE, help="sale to hit (deploy.demo JSON)")
    run_parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="Locust config file")
    run_parser.add_argument("--reports-dir", type=Path, default=DEFAULT_REPORTS)
    run_parser.add_argument("--run-id", default="", help="report folder name (default: timestamp)")
    run_parser.add_argument("--drain-timeout", type=float, default=90.0, help="max seconds to wait for the saga")
    args, locust_args = parser.parse_known_args(argv)
    options = RunOptions(
        users=args.users,
        spawn_rate=args.spawn_rate,
        duration_s=args.duration,
        headless=args.headless,
        demo=args.demo.resolve(),
        config=args.config.resolve(),
        reports_dir=args.reports_dir.resolve(),
        run_id=args.run_id,
        drain_timeout_s=args.drain_timeout,
        web_port=args.web_port,
        locust_args=tuple(locust_args),
    )
    try:
        return run(options)
    except TargetError as exc:
        print(f"loadtest: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

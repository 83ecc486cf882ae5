"""python -m loadtest.audit [--event-id ID | --demo FILE] [--json] — verdict on the whole system.

Exit 0: every check passed; 1: at least one failed (each is named); 2: the audit could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from loadtest.audit.core import AuditError, AuditResult, run_audit
from loadtest.endpoints import Endpoints
from loadtest.target import DEFAULT_DEMO_FILE, TargetError, load_target


def print_verdict(result: AuditResult, *, out: TextIO = sys.stdout) -> None:
    for check in result.checks:
        mark = "PASS" if check.ok else "FAIL"
        print(f"  [{mark}] {check.name}: {check.description}", file=out)
        for problem in check.problems[:10]:
            print(f"         - {problem}", file=out)
    verdict = "PASS" if result.passed else "FAIL (" + ", ".join(result.failed_checks) + ")"
    print(f"audit of event {result.event_id}: {verdict}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.audit", description=__doc__.splitlines()[0])
    parser.add_argument("--event-id", help="event to audit (default: the one in --demo)")
    parser.add_argument("--demo", default=str(DEFAULT_DEMO_FILE), help="demo JSON naming the event")
    parser.add_argument("--drain-timeout", type=float, default=60.0, help="max seconds to wait for the saga")
    parser.add_argument("--settle-timeout", type=float, default=20.0, help="max seconds of re-reads")
    parser.add_argument("--kafka-sample", type=int, default=100, help="published rows per database to find")
    parser.add_argument("--json", action="store_true", help="print only the JSON verdict")
    args = parser.parse_args(argv)
    try:
        event_id = args.event_id or load_target(args.demo).event_id
        result = asyncio.run(
            run_audit(
                event_id,
                Endpoints.from_env(os.environ),
                drain_timeout_s=args.drain_timeout,
                settle_timeout_s=args.settle_timeout,
                kafka_sample_per_db=args.kafka_sample,
            )
        )
    except (AuditError, TargetError) as exc:
        print(f"audit could not run: {exc}", file=sys.stderr)
        print(json.dumps({"verdict": "error", "error": str(exc)}))
        return 2
    if not args.json:
        print_verdict(result)
    print(json.dumps(result.to_json(), indent=None if args.json else 2))
    return 0 if result.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())

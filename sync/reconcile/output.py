"""The run's JSON report and its Prometheus metrics (a textfile for node_exporter: a cron job is gone before
any scrape; and/or the process registry served by ``--metrics-port`` while it runs)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from sync.reconcile.findings import Kind
from sync.reconcile.run import RunResult

__all__ = ["write_metrics", "write_report"]


def write_report(
    path: Path, run_id: str, apply: bool, exit_code: int, result: RunResult | None, error: str | None = None
) -> None:
    body: dict[str, Any] = {
        "run_id": run_id,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "apply": apply,
        "exit_code": exit_code,
        "error": error,
    }
    if result is not None:
        body |= {
            "duration_s": round(result.duration_s, 3),
            "summary": {
                "events": result.events,
                "zones": result.zones,
                "events_verified": result.verified_events,
                "events_unsettled": result.unsettled_events,
                "in_flight": result.in_flight,
                "drift_by_kind": result.by_kind(soft=False),
                "soft_by_kind": result.by_kind(soft=True),
                "repaired_by_kind": result.repaired_by_kind(),
            },
            "findings": [f.to_json() for f in result.findings],
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a reader (or the next run) never sees half a report.
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(orjson.dumps(body, option=orjson.OPT_INDENT_2))
    os.replace(tmp.name, path)


def write_metrics(registry: CollectorRegistry, textfile: Path | None, exit_code: int, result: RunResult | None) -> None:
    found = Gauge("reconcile_drift_found", "Findings of the last reconcile run, by kind", ["kind"], registry=registry)
    repaired = Gauge("reconcile_repaired", "Findings repaired by the last run (--apply)", ["kind"], registry=registry)
    for each in Kind:  # every kind present (0 included) so alerts can use absent() / rate() sanely
        found.labels(str(each)).set(0)
        repaired.labels(str(each)).set(0)
    if result is not None:
        for kind, n in (result.by_kind(soft=False) | result.by_kind(soft=True)).items():
            found.labels(kind).set(n)
        for kind, n in result.repaired_by_kind().items():
            repaired.labels(kind).set(n)
    gauges = {
        "reconcile_run_duration_seconds": ("Duration of the last reconcile run", result.duration_s if result else 0),
        "reconcile_zones_checked": ("Zones checked by the last run", result.zones if result else 0),
        "reconcile_in_flight": (
            "Holds in flight (Redis ahead of booking_db) in the last run",
            result.in_flight if result else 0,
        ),
        "reconcile_exit_code": ("Exit code of the last run: 0 consistent, 1 drift, 2 could not run", exit_code),
        "reconcile_last_run_timestamp_seconds": ("When the last reconcile run finished", time.time()),
    }
    for name, (doc, value) in gauges.items():
        Gauge(name, doc, registry=registry).set(value)
    if textfile is not None:
        textfile.parent.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(textfile), registry)

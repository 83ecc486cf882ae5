"""The run report: ``report.json`` (numbers), ``report.png`` (a chart for people), ``summary.md`` (short text).

Inputs are Locust's CSV files (``--csv <prefix> --csv-full-history``: final per-endpoint percentiles and a
per-second history with cumulative counts), the locustfile's outcome counts and the audit verdict.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

__all__ = ["build_report", "endpoint_stats", "throughput_series", "write_report"]

_PERCENTILES = ("50%", "95%", "99%")


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:  # "N/A" before the first request
        return None


def endpoint_stats(stats_csv: Path) -> list[dict[str, Any]]:
    """Final statistics per endpoint (and the aggregate) from ``<prefix>_stats.csv``."""
    rows = []
    with stats_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "method": row["Type"] or "ALL",
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": round(float(row["Requests/s"]), 2),
                    "avg_ms": round(float(row["Average Response Time"]), 2),
                    "max_ms": round(float(row["Max Response Time"]), 2),
                    **{f"p{p.rstrip('%')}_ms": _number(row[p]) for p in _PERCENTILES},
                }
            )
    return rows


def throughput_series(history_csv: Path) -> dict[str, list[dict[str, Any]]]:
    """Per name (``Aggregated`` for all): one point per sample with requests/s computed from the cumulative
    count (exact, unlike Locust's smoothed current rate) and the current-window percentiles."""
    raw: dict[str, list[dict[str, str]]] = {}
    with history_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            key = row["Name"] if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
            raw.setdefault(key, []).append(row)
    series: dict[str, list[dict[str, Any]]] = {}
    for name, rows in raw.items():
        rows.sort(key=lambda r: int(r["Timestamp"]))
        start = int(rows[0]["Timestamp"])
        points, previous_t, previous_n, previous_f = [], start, 0, 0
        for row in rows:
            t, n, f = int(row["Timestamp"]), int(row["Total Request Count"]), int(row["Total Failure Count"])
            span = max(1, t - previous_t)
            points.append(
                {
                    "t": t,
                    "users": int(row["User Count"]),
                    "rps": round((n - previous_n) / span, 2),
                    "failures_per_s": round((f - previous_f) / span, 2),
                    **{f"p{p.rstrip('%')}_ms": _number(row[p]) for p in _PERCENTILES},
                }
            )
            previous_t, previous_n, previous_f = t, n, f
        series[name] = points
    return series


def build_report(
    run_id: str,
    csv_prefix: Path,
    outcomes: dict[str, Any],
    audit: dict[str, Any],
    config: dict[str, Any],
) -> dict[str, Any]:
    endpoints = endpoint_stats(Path(f"{csv_prefix}_stats.csv"))
    series = throughput_series(Path(f"{csv_prefix}_stats_history.csv"))
    aggregate = next((e for e in endpoints if e["name"] == "Aggregated"), None)
    overall = series.get("Aggregated", [])
    start = overall[0]["t"] if overall else 0
    counts = outcomes.get("counts", {})
    return {
        "run_id": run_id,
        "config": config,
        "totals": {
            "requests": aggregate["requests"] if aggregate else 0,
            "failures": aggregate["failures"] if aggregate else 0,
            "mean_rps": aggregate["rps"] if aggregate else 0.0,
            "peak_rps": max((p["rps"] for p in overall), default=0.0),
        },
        "endpoints": endpoints,
        "throughput": {name: [{**p, "t": p["t"] - start} for p in points] for name, points in series.items()},
        "outcomes": counts,
        "outcome_timeline": outcomes.get("timeline", {}),
        "sold_out_after_s": outcomes.get("sold_out_after_s"),
        "zone_first_sold_out_s": outcomes.get("zone_first_sold_out_s", {}),
        "audit": audit,
    }


def _summary(report: dict[str, Any]) -> str:
    config, totals, audit = report["config"], report["totals"], report["audit"]
    sold_out = report["sold_out_after_s"]
    lines = [
        f"# Load test {report['run_id']}",
        "",
        f"- **{config.get('users')} buyers**, spawn rate {config.get('spawn_rate')}/s, "
        f"{config.get('duration_s')} s against event `{config.get('event_id')}` ({config.get('capacity')} seats)",
        f"- **{totals['requests']} requests**, {totals['failures']} failures; mean {totals['mean_rps']} req/s, "
        f"peak {totals['peak_rps']} req/s",
        f"- **Sold out** after {sold_out:.1f} s" if sold_out is not None else "- **Sold out**: not within the run",
        f"- **Audit: {audit.get('verdict', 'not run').upper()}**"
        + (f" — failed: {', '.join(audit['failed_checks'])}" if audit.get("failed_checks") else ""),
        "",
        "| endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for e in report["endpoints"]:
        lines.append(
            f"| {e['method']} {e['name']} | {e['requests']} | {e['failures']} | {e['rps']} | "
            f"{e['p50_ms']} | {e['p95_ms']} | {e['p99_ms']} |"
        )
    lines += ["", "| outcome | count |", "|---|---:|"]
    lines += [f"| {name} | {count} |" for name, count in report["outcomes"].items()]
    lines += [
        "",
        "Audit checks: " + ", ".join(f"{c['name']} {'✔' if c['ok'] else '✘'}" for c in audit.get("checks", [])),
    ]
    return "\n".join(lines) + "\n"


def write_report(directory: Path, report: dict[str, Any]) -> None:
    from loadtest.chart import draw_chart  # matplotlib is imported only when a report is written

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(report, indent=2))
    (directory / "summary.md").write_text(_summary(report))
    draw_chart(report, directory / "report.png")

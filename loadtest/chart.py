"""report.png: throughput and latency over time, percentiles per endpoint, and what buyers got each second."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers/CI; must precede pyplot
import matplotlib.pyplot as plt

__all__ = ["draw_chart"]

_JOURNEYS = ("paid", "declined", "cancelled", "abandoned")  # what happened to a hold
_REFUSALS = ("sold_out", "insufficient_seats", "limit_exceeded")  # expected 409s, far more numerous


def _sold_out_marker(ax: Any, report: dict[str, Any]) -> None:
    sold_out = report.get("sold_out_after_s")
    if sold_out is not None:
        ax.axvline(sold_out, color="crimson", linestyle="--", linewidth=1)
        ax.text(sold_out, ax.get_ylim()[1] * 0.97, f" sold out {sold_out:.1f}s", color="crimson", va="top", fontsize=8)


def _throughput(ax: Any, report: dict[str, Any]) -> None:
    series = report["throughput"]
    overall = series.get("Aggregated", [])
    ax.plot([p["t"] for p in overall], [p["rps"] for p in overall], color="black", linewidth=2, label="all requests")
    busiest = sorted((n for n in series if n != "Aggregated"), key=lambda n: -sum(p["rps"] for p in series[n]))[:5]
    for name in busiest:
        ax.plot([p["t"] for p in series[name]], [p["rps"] for p in series[name]], linewidth=1, label=name)
    ax.set_title("Throughput")
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("requests / s")
    ax.grid(alpha=0.3)
    users = ax.twinx()
    users.fill_between([p["t"] for p in overall], [p["users"] for p in overall], color="grey", alpha=0.12, step="post")
    users.set_ylabel("simulated buyers", color="grey")
    ax.legend(fontsize=7, loc="upper right")
    _sold_out_marker(ax, report)


def _latency_over_time(ax: Any, report: dict[str, Any]) -> None:
    overall = report["throughput"].get("Aggregated", [])
    for key, style in (("p50_ms", ":"), ("p95_ms", "--"), ("p99_ms", "-")):
        points = [(p["t"], p[key]) for p in overall if p[key] is not None]
        ax.plot([t for t, _ in points], [v for _, v in points], linestyle=style, label=key.replace("_ms", ""))
    ax.set_title("Latency, all requests (Locust's 10 s window)")
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("ms")
    ax.set_yscale("symlog", linthresh=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    _sold_out_marker(ax, report)


def _percentiles(ax: Any, report: dict[str, Any]) -> None:
    endpoints = [e for e in report["endpoints"] if e["name"] != "Aggregated" and e["requests"]]
    labels = [f"{e['method']} {e['name']}" for e in endpoints]
    height = 0.27
    for offset, key in enumerate(("p50_ms", "p95_ms", "p99_ms")):
        values = [e[key] or 0 for e in endpoints]
        bars = ax.barh([i + (offset - 1) * height for i in range(len(endpoints))], values, height, label=key[:3])
        ax.bar_label(bars, fmt="%.0f", fontsize=6, padding=2)
    ax.set_yticks(range(len(endpoints)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_title("Latency per endpoint (whole run)")
    ax.set_xlabel("ms")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)


def _outcomes(ax: Any, report: dict[str, Any]) -> None:
    timeline = {int(t): counts for t, counts in report.get("outcome_timeline", {}).items()}
    seconds = sorted(timeline)
    bottom = [0] * len(seconds)
    for name in (n for n in _JOURNEYS if any(n in timeline[t] for t in seconds)):
        values = [timeline[t].get(name, 0) for t in seconds]
        ax.bar(seconds, values, bottom=bottom, width=1.0, label=name, alpha=0.85)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title("What buyers got, per second (bars: holds; lines: 409 refusals, right axis)")
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("holds paid / declined / cancelled / abandoned per s")
    ax.grid(alpha=0.3)
    refusals = ax.twinx()
    for name, color in zip(_REFUSALS, ("purple", "saddlebrown", "teal"), strict=True):
        if any(name in timeline[t] for t in seconds):
            refusals.plot(seconds, [timeline[t].get(name, 0) for t in seconds], color=color, label=name)
    refusals.set_ylabel("refusals / s")
    handles = ax.get_legend_handles_labels()[0] + refusals.get_legend_handles_labels()[0]
    if handles:
        ax.legend(handles=handles, fontsize=7, ncol=2, loc="upper right")
    _sold_out_marker(ax, report)


def draw_chart(report: dict[str, Any], path: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(15, 9), constrained_layout=True)
    _throughput(axes[0][0], report)
    _latency_over_time(axes[0][1], report)
    _outcomes(axes[1][0], report)
    _percentiles(axes[1][1], report)
    config, totals = report["config"], report["totals"]
    verdict = str(report["audit"].get("verdict", "not run")).upper()
    fig.suptitle(
        f"Booking Rush flash sale {report['run_id']}: {config.get('users')} buyers, {config.get('capacity')} seats, "
        f"{totals['requests']} requests, peak {totals['peak_rps']:.0f} req/s — audit {verdict}",
        fontsize=12,
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)

"""Business outcomes of a run (what buyers experienced), kept next to Locust's request statistics.

Locust counts requests and latencies; it cannot tell "sold out" (an expected answer in a flash sale) from
"paid". The locustfile records each outcome here and writes the totals as JSON when the test stops.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["EXPECTED_RESERVE_REFUSALS", "Outcomes"]

# 409 answers a flash sale is supposed to give: the request worked, the buyer just did not get seats.
EXPECTED_RESERVE_REFUSALS = frozenset({"sold_out", "insufficient_seats", "limit_exceeded"})


@dataclass
class Outcomes:
    started_at: float = field(default_factory=time.time)
    counts: Counter[str] = field(default_factory=Counter)
    # second since start -> outcome -> count, for the report's timeline
    timeline: dict[int, Counter[str]] = field(default_factory=dict)
    zone_first_sold_out_s: dict[str, float] = field(default_factory=dict)

    def reset(self) -> None:
        self.started_at = time.time()
        self.counts.clear()
        self.timeline.clear()
        self.zone_first_sold_out_s.clear()

    def record(self, outcome: str) -> None:
        self.counts[outcome] += 1
        second = int(time.time() - self.started_at)
        self.timeline.setdefault(second, Counter())[outcome] += 1

    def zone_sold_out(self, zone_id: str) -> None:
        self.zone_first_sold_out_s.setdefault(zone_id, round(time.time() - self.started_at, 3))

    def to_json(self, zone_ids: list[str]) -> dict[str, Any]:
        all_seen = bool(zone_ids) and all(zone in self.zone_first_sold_out_s for zone in zone_ids)
        return {
            "started_at": self.started_at,
            "counts": dict(sorted(self.counts.items())),
            "timeline": {str(second): dict(counter) for second, counter in sorted(self.timeline.items())},
            "zone_first_sold_out_s": self.zone_first_sold_out_s,
            # the moment the last zone first answered sold out (seats can come back later: declines, cancels)
            "sold_out_after_s": max(self.zone_first_sold_out_s.values()) if all_seen else None,
        }

    def write(self, path: Path | str, zone_ids: list[str]) -> None:
        Path(path).write_text(json.dumps(self.to_json(zone_ids), indent=2))

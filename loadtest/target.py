"""The sale a load test runs against: read from ``.stack/demo.json`` (``python -m deploy.demo`` writes it) or any
JSON file of the same shape (the smoke test writes one for its own tenant)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_DEMO_FILE", "REPO", "Target", "TargetError", "Zone", "load_target"]

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DEMO_FILE = REPO / ".stack" / "demo.json"


class TargetError(ValueError):
    """The demo file is missing or does not describe a sale."""


@dataclass(frozen=True, slots=True)
class Zone:
    show_id: str
    zone_id: str
    total_seats: int


@dataclass(frozen=True, slots=True)
class Target:
    gateway: str
    tenant_slug: str
    tenant_id: str
    event_id: str
    zones: tuple[Zone, ...]

    @property
    def show_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(zone.show_id for zone in self.zones))

    @property
    def capacity(self) -> int:
        return sum(zone.total_seats for zone in self.zones)

    def to_json(self) -> dict[str, Any]:
        shows: dict[str, list[dict[str, Any]]] = {}
        for zone in self.zones:
            shows.setdefault(zone.show_id, []).append({"zone_id": zone.zone_id, "total_seats": zone.total_seats})
        return {
            "gateway": self.gateway,
            "tenant_slug": self.tenant_slug,
            "tenant_id": self.tenant_id,
            "event_id": self.event_id,
            "shows": [{"show_id": show_id, "zones": zones} for show_id, zones in shows.items()],
        }


def load_target(path: Path | str = DEFAULT_DEMO_FILE) -> Target:
    try:
        raw: dict[str, Any] = json.loads(Path(path).read_text())
        zones = tuple(
            Zone(str(show["show_id"]), str(zone["zone_id"]), int(zone["total_seats"]))
            for show in raw["shows"]
            for zone in show["zones"]
        )
        target = Target(
            gateway=str(raw.get("gateway", "http://127.0.0.1:8080")).rstrip("/"),
            tenant_slug=str(raw["tenant_slug"]),
            tenant_id=str(raw["tenant_id"]),
            event_id=str(raw["event_id"]),
            zones=zones,
        )
    except FileNotFoundError:
        raise TargetError(f"{path} not found: run `python -m deploy.demo` (or `make up`) first") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise TargetError(f"{path} does not describe a sale: {exc!r}") from None
    if not target.zones:
        raise TargetError(f"{path} has no zones")
    return target

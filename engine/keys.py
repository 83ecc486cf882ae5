"""Every Redis key the engine uses. All keys of one event share the hash tag ``{evt:<id>}`` so each script's
keys live in one Cluster slot. Lua scripts that walk holds or zones build those keys from ``base()``:
lua/_lib.lua mirrors the ``zone:``, ``show:``, ``hold:`` and ``idem:`` suffixes, so change both together."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str

    def base(self, event_id: str) -> str:
        return f"{self.prefix}:{{evt:{event_id}}}:"

    def meta(self, event_id: str) -> str:
        return self.base(event_id) + "meta"

    def zone(self, event_id: str, zone_id: str) -> str:
        return self.base(event_id) + "zone:" + zone_id

    def show(self, event_id: str, show_id: str) -> str:
        return self.base(event_id) + "show:" + show_id

    def show_zones(self, event_id: str, show_id: str) -> str:
        return self.show(event_id, show_id) + ":zones"

    def event_zones(self, event_id: str) -> str:
        return self.base(event_id) + "zones"

    def users(self, event_id: str) -> str:
        return self.base(event_id) + "users"

    def expiry(self, event_id: str) -> str:
        return self.base(event_id) + "expiry"

    def sold_out(self, event_id: str) -> str:
        """Set of sold-out zone ids; also the channel where flips are published."""
        return self.base(event_id) + "soldout"

    def hold(self, event_id: str, hold_id: str) -> str:
        return self.base(event_id) + "hold:" + hold_id

    def idem(self, event_id: str, idempotency_key: str) -> str:
        return self.base(event_id) + "idem:" + idempotency_key

    def live_events(self) -> str:
        """Registry of events a sweeper must visit. Outside any hash tag: only ever used by one-key commands."""
        return f"{self.prefix}:live_events"

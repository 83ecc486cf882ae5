"""The event envelope carried on every Kafka topic (version 1).

Attributes follow CloudEvents 1.0 (JSON format) so any CloudEvents tooling can read them, plus two extension
attributes the saga needs: ``tenantid`` and ``aggregateid``. ``data`` is the event's own payload. Example::

    {"specversion": "1.0", "id": "<uuid>", "type": "booking.reserved", "source": "booking-service",
     "time": "2026-11-25T12:00:00.123456+00:00", "datacontenttype": "application/json",
     "dataschema": "booking-rush/booking.reserved/v1", "subject": "<booking id>",
     "tenantid": "<uuid>", "aggregateid": "<uuid>", "aggregatetype": "booking", "data": {...}}

Consumers deduplicate on ``id``; the Kafka message key is ``aggregateid`` so one aggregate's events keep order.
Changing the meaning of a type's ``data`` means a new ``dataschema`` version, never an in-place edit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = ["ENVELOPE_VERSION", "EnvelopeError", "EventEnvelope"]

ENVELOPE_VERSION = "v1"
_REQUIRED = ("specversion", "id", "type", "source", "time", "aggregateid", "data")


class EnvelopeError(ValueError):
    """A message that is not a valid version-1 envelope."""


@dataclass(frozen=True, slots=True)
class EventEnvelope:
    type: str
    source: str
    aggregate_type: str
    aggregate_id: str
    data: dict[str, Any]
    tenant_id: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def dataschema(self) -> str:
        return f"booking-rush/{self.type}/{ENVELOPE_VERSION}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "time": self.time,
            "datacontenttype": "application/json",
            "dataschema": self.dataschema,
            "subject": self.aggregate_id,
            "tenantid": self.tenant_id,
            "aggregateid": self.aggregate_id,
            "aggregatetype": self.aggregate_type,
            "data": self.data,
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, raw: Any) -> EventEnvelope:
        if not isinstance(raw, dict):
            raise EnvelopeError("envelope must be a JSON object")
        missing = [name for name in _REQUIRED if name not in raw]
        if missing:
            raise EnvelopeError(f"envelope lacks {', '.join(missing)}")
        if raw["specversion"] != "1.0":
            raise EnvelopeError(f"unsupported specversion {raw['specversion']!r}")
        if not isinstance(raw["data"], dict):
            raise EnvelopeError("envelope data must be a JSON object")
        try:
            uuid.UUID(str(raw["id"]))
        except ValueError:
            raise EnvelopeError(f"envelope id {raw['id']!r} is not a UUID") from None
        return cls(
            type=str(raw["type"]),
            source=str(raw["source"]),
            aggregate_type=str(raw.get("aggregatetype", "")),
            aggregate_id=str(raw["aggregateid"]),
            data=raw["data"],
            tenant_id=raw.get("tenantid"),
            id=str(raw["id"]),
            time=str(raw["time"]),
        )

    @classmethod
    def from_json(cls, payload: bytes | str) -> EventEnvelope:
        try:
            raw = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise EnvelopeError(f"envelope is not JSON: {exc}") from None
        return cls.from_dict(raw)

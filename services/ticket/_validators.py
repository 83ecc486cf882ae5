"""Cross-field checks shared by the request models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

__all__ = ["check_window", "forbid_nulls"]


def forbid_nulls(model: BaseModel, names: tuple[str, ...]) -> None:
    """PATCH bodies: a NOT NULL column may be omitted but not set to null."""
    bad = [n for n in names if n in model.model_fields_set and getattr(model, n) is None]
    if bad:
        raise ValueError(f"{', '.join(bad)} cannot be null")


def check_window(start: datetime | None, end: datetime | None, what: str) -> None:
    if start is not None and end is not None and end <= start:
        raise ValueError(f"{what}: the end must be after the start")

"""Loads lua/*.lua, inlines ``-- @include`` helpers and registers each script with redis-py.

``register_script`` computes the SHA up front and its ``AsyncScript`` reloads the source on NOSCRIPT
(restart, failover, SCRIPT FLUSH), so nothing here hand-rolls EVALSHA."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from redis.asyncio import Redis, RedisCluster
from redis.commands.core import AsyncScript

LUA_DIR = Path(__file__).resolve().parent.parent / "lua"
_INCLUDE = re.compile(r"^-- @include (\w+)$", re.MULTILINE)


@cache
def source(name: str) -> str:
    """Script text with its includes inlined; ``name`` is the file stem, e.g. ``"reserve-8"``."""
    text = (LUA_DIR / f"{name}.lua").read_text()
    return _INCLUDE.sub(lambda m: (LUA_DIR / f"{m.group(1)}.lua").read_text(), text)


@dataclass(frozen=True, slots=True)
class Scripts:
    open_zone: AsyncScript
    close_sale: AsyncScript
    reserve: AsyncScript
    reserve_batch: AsyncScript
    confirm: AsyncScript
    release: AsyncScript
    expire_due: AsyncScript
    restore_hold: AsyncScript
    snapshot: AsyncScript
    audit_event: AsyncScript
    set_zone_counters: AsyncScript
    drop_hold: AsyncScript
    forget_idempotency: AsyncScript

    @classmethod
    def register(cls, redis: "Redis | RedisCluster") -> "Scripts":
        files = {
            "open_zone": "open_zone-6",
            "close_sale": "close_sale-3",
            "reserve": "reserve-8",
            "reserve_batch": "reserve_batch-5",
            "confirm": "confirm-5",
            "release": "release-5",
            "expire_due": "expire_due-5",
            "restore_hold": "restore_hold-5",
            "snapshot": "snapshot-2",
            "audit_event": "audit_event-3",
            "set_zone_counters": "set_zone_counters-2",
            "drop_hold": "drop_hold-4",
            "forget_idempotency": "forget_idempotency-1",
        }
        return cls(**{field: redis.register_script(source(stem)) for field, stem in files.items()})

"""Argon2id password hashing, off the event loop.

A hash costs tens of milliseconds of CPU and 19+ MiB of memory; running it on the event loop would stall every
other request of the worker, so both hashing and verifying go through ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.auth.settings import PasswordPolicy

__all__ = ["Passwords", "Verification"]


@dataclass(frozen=True, slots=True)
class Verification:
    """Outcome of a password check: whether it matched and whether the stored hash should be upgraded."""

    ok: bool
    needs_rehash: bool = False


class Passwords:
    def __init__(self, policy: PasswordPolicy) -> None:
        self._hasher = PasswordHasher(
            time_cost=policy.time_cost,
            memory_cost=policy.memory_cost_kib,
            parallelism=1,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        # Verified against when the account does not exist, so "unknown email" costs as much as "wrong password"
        # and response time does not reveal which emails are registered.
        self._dummy_hash = self._hasher.hash("not-a-real-password-only-equalises-timing")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> Verification:
        return await asyncio.to_thread(self._verify_sync, stored_hash, password)

    def _verify_sync(self, stored_hash: str | None, password: str) -> Verification:
        if stored_hash is None:
            with contextlib.suppress(VerificationError):
                self._hasher.verify(self._dummy_hash, password)
            return Verification(False)
        try:
            self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verification(False)
        return Verification(True, self._hasher.check_needs_rehash(stored_hash))

"""Who may do what: supervisors' passwords and sign-in sessions, seats' credentials, CSRF
tokens and per-seat rate limits.

Passwords are hashed with argon2. Seat credentials, enrolment tokens and session tokens are
long random strings, so the hub keeps only their SHA-256: a copy of the database lets
nobody act as a seat or a supervisor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SESSION_SECONDS = 8 * 3600
"""A sign-in lasts a working shift; then the supervisor signs in again."""

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


def new_password() -> str:
    """A password to read out or paste: four groups, no look-alike letters. Nothing forces
    a change after the first sign-in (a reset gives a new one, shown once)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimit:
    """A token bucket per key (a seat): `rate` requests a second on average, `burst` at once.
    A seat catching up after an outage sends batches of events, well within this."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def spent(self, key: str, now: float | None = None) -> bool:
        """True when `key` has nothing left to spend right now (nothing is taken)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return False
            return bucket.tokens + (now - bucket.updated) * self.rate < 1

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self.burst, now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True

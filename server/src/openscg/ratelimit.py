"""Per-client-address rate limits (token buckets), in the memory of one process.

A client over its limit is told how long to wait (`Retry-After`). Behind a proxy the address is the
proxy's unless the server trusts X-Forwarded-For (uvicorn --proxy-headers, see docs/deploy.md).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from openscg.errors import RateLimited

MAX_TRACKED_ADDRESSES = 100_000


@dataclass
class _Bucket:
    tokens: float
    updated_s: float


class RateLimiter:
    def __init__(self, per_minute: int, what: str) -> None:
        self.capacity = float(per_minute)
        self.refill_per_s = per_minute / 60.0
        self.what = what
        self._buckets: dict[str, _Bucket] = {}

    def check(self, address: str) -> None:
        """Take one token for `address`, or raise RateLimited with the seconds until one is free."""
        now = time.monotonic()
        bucket = self._buckets.get(address)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED_ADDRESSES:
                self._forget_full(now)
            bucket = self._buckets[address] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated_s) * self.refill_per_s)
        bucket.updated_s = now
        if bucket.tokens < 1.0:
            wait_s = math.ceil((1.0 - bucket.tokens) / self.refill_per_s)
            raise RateLimited(f"too many {self.what} from this address; retry in {wait_s} s", wait_s)
        bucket.tokens -= 1.0

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: they hold no information."""
        for address, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated_s) * self.refill_per_s >= self.capacity:
                del self._buckets[address]


class TokenBucket:
    """`rate_per_s` on average with bursts of up to `burst`, for one connection (e.g. batches of a capture socket)."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate_per_s = rate_per_s
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated_s = time.monotonic()

    def take(self) -> bool:
        """Take one token; False when none is left (the caller refuses)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated_s) * self.rate_per_s)
        self.updated_s = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

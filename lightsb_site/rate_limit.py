"""Atomic fixed-window counters for rate limits and password-attempt limits.

A counter is one key that counts hits until its window ends. Every hit is one atomic step in
the store, so N parallel requests see N different counts (no read-then-write race):

- with ``REDIS_URL``: ``SET key 0 EX window NX`` + ``INCR`` + ``PTTL`` in one MULTI/EXEC;
- otherwise one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on ``accounts_ratecounter``
  (PostgreSQL and SQLite), which restarts the window when it has run out.

Keys name what they count and for whom (``login:addr:203.0.113.7``, ``recheck:user:<id>``);
everything counted for one account carries ``:user:<id>`` so deleting the account can find it.
"""

from __future__ import annotations

import math
import random
import re
import time
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection

if TYPE_CHECKING:
    import redis

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$", re.IGNORECASE)
REDIS_PREFIX = "lightsb:rate:"
# Where a counted request keeps its tightest Hit, for the 429 headers written by the API error
# handler, and every Hit counted for it (RateLimitHeadersMiddleware writes their headers).
RATE_LIMIT_ATTRIBUTE = "lightsb_rate_limit"
RATE_LIMITS_ATTRIBUTE = "lightsb_rate_limits"
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Rate:
    limit: int
    window_seconds: int

    def __str__(self) -> str:
        return f"{self.limit} per {self.window_seconds} s"


def parse_rate(text: str) -> Rate:
    """'20/hour', '60/min', '5/15m' -> Rate."""
    match = _RATE.match(text or "")
    if not match:
        raise ValueError(f"Not a rate: {text!r} (expected e.g. 20/hour or 5/15m)")
    count, multiple, unit = match.groups()
    return Rate(limit=int(count), window_seconds=int(multiple or 1) * _UNITS[unit.lower()])


@dataclass(frozen=True)
class Hit:
    """One counted request: whether it may go on, and what to tell the client."""

    allowed: bool
    count: int
    limit: int
    window_seconds: int
    reset_seconds: int  # until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


def _use_redis() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


@cache
def _redis(url: str) -> redis.Redis:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _redis_hit(key: str, window: int) -> tuple[int, int]:
    pipe = _redis(settings.REDIS_URL).pipeline(transaction=True)
    pipe.set(REDIS_PREFIX + key, 0, ex=window, nx=True)
    pipe.incr(REDIS_PREFIX + key)
    pipe.pttl(REDIS_PREFIX + key)
    _, count, ttl_ms = pipe.execute()
    return int(count), max(1, math.ceil(max(int(ttl_ms), 0) / 1000))


_UPSERT = """
INSERT INTO accounts_ratecounter (key, count, expires_at) VALUES (%s, 1, %s)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN accounts_ratecounter.expires_at <= %s THEN 1
                 ELSE accounts_ratecounter.count + 1 END,
    expires_at = CASE WHEN accounts_ratecounter.expires_at <= %s THEN excluded.expires_at
                      ELSE accounts_ratecounter.expires_at END
RETURNING count, expires_at
"""


def _database_hit(key: str, window: int) -> tuple[int, int]:
    now = time.time()
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [key, now + window, now, now])
        count, expires_at = cursor.fetchone()
        if random.random() < 0.01:
            cursor.execute("DELETE FROM accounts_ratecounter WHERE expires_at < %s", [now - 60])
    return int(count), max(1, math.ceil(float(expires_at) - now))


def counter_hit(key: str, window_seconds: int) -> tuple[int, int]:
    """Count one hit on ``key``; returns (hits in this window, seconds until it ends)."""
    key = key[:MAX_KEY_LENGTH]
    if _use_redis():
        return _redis_hit(key, window_seconds)
    return _database_hit(key, window_seconds)


def counter_clear(key: str) -> None:
    key = key[:MAX_KEY_LENGTH]
    if _use_redis():
        _redis(settings.REDIS_URL).delete(REDIS_PREFIX + key)
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_ratecounter WHERE key = %s", [key])


def counters_clear_for_user(user_id: object) -> int:
    """Forget every counter kept for one account (its deletion leaves none behind)."""
    marker = f":user:{user_id}"
    if _use_redis():
        client = _redis(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"{REDIS_PREFIX}*{marker}*", count=500))
        return int(client.delete(*keys)) if keys else 0
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_ratecounter WHERE key LIKE %s", [f"%{marker}%"])
        return cursor.rowcount


def rate_hit(*, scope: str, ident: str, rate: Rate) -> Hit:
    count, reset = counter_hit(f"{scope}:{ident}", rate.window_seconds)
    return Hit(
        allowed=count <= rate.limit,
        count=count,
        limit=rate.limit,
        window_seconds=rate.window_seconds,
        reset_seconds=reset,
    )


def tightest_hit(hits: list[Hit]) -> Hit:
    """The limit a client meets first: a refusal, else the fewest requests left."""
    return min(hits, key=lambda hit: (hit.allowed, hit.remaining, -hit.reset_seconds))


def rate_limit_remember(request: object, hit: Hit) -> None:
    """Keep ``hit`` on the request so its answer carries the RateLimit header fields."""
    hits = [*getattr(request, RATE_LIMITS_ATTRIBUTE, ()), hit]
    setattr(request, RATE_LIMITS_ATTRIBUTE, hits)
    setattr(request, RATE_LIMIT_ATTRIBUTE, tightest_hit(hits))


def rate_limit_headers(hit: Hit, *, also: list[Hit] | None = None) -> dict[str, str]:
    """``Retry-After`` plus the IETF RateLimit header fields (draft-ietf-httpapi-ratelimit).

    ``RateLimit-Limit/Remaining/Reset`` describe ``hit``; ``RateLimit-Policy`` lists it and
    every other limit in ``also`` that applied to the same request.
    """
    policies = [hit, *(other for other in also or [] if other is not hit)]
    headers = {
        "RateLimit-Limit": str(hit.limit),
        "RateLimit-Remaining": str(hit.remaining),
        "RateLimit-Reset": str(hit.reset_seconds),
        "RateLimit-Policy": ", ".join(
            f"{policy.limit};w={policy.window_seconds}" for policy in policies
        ),
    }
    if not hit.allowed:
        headers["Retry-After"] = str(hit.reset_seconds)
    return headers


def configured_rate(scope: str) -> Rate:
    from rest_framework.settings import api_settings

    return parse_rate(str(api_settings.DEFAULT_THROTTLE_RATES[scope]))


def human_wait(seconds: int) -> str:
    if seconds >= 3600:
        return f"{-(-seconds // 3600)} h"
    if seconds >= 60:
        minutes = -(-seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def throttled_message(hit: Hit) -> str:
    return f"Too many requests. Try again in {human_wait(hit.reset_seconds)}."

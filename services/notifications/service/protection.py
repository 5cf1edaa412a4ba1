"""Protection in Redis: per-recipient and per-channel rate limits, and a circuit breaker
per provider (one provider per outside channel).

Redis holds only counters. Losing it loses only limits, never a message: any Redis error
(down, unreachable, timing out) counts as "no limit applies" and "breaker closed", and
the dispatcher goes on sending from PostgreSQL's queue.

- Per recipient: at most `rate_per_recipient_per_min` outside sends a minute (fixed
  one-minute windows keyed by college and person).
- Per channel: at most `rate_per_channel_per_s` sends a second.
- Breaker: `breaker_failures` temporary failures in a row on a channel open it for
  `breaker_open_s`; while open, deliveries fail over at once to their next channel. The
  first success closes the count again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

PREFIX = "campusflow:notifications"
# How often a Redis outage is logged (it is expected to last; messages keep going).
_WARN_EVERY_S = 30.0


@dataclass(frozen=True)
class Limits:
    per_recipient_per_min: int
    per_channel_per_s: int
    breaker_failures: int
    breaker_open_s: float


@dataclass(frozen=True)
class Admission:
    """What Redis says before a send (all clear when Redis is away)."""

    breaker_open: bool = False
    wait_s: float = 0.0  # > 0: rate limited, try again after this long
    failing: bool = False  # the channel's last sends failed (a success resets the count)


class Protection:
    def __init__(self, redis: aioredis.Redis, limits: Limits, *, namespace: str = PREFIX) -> None:
        self._redis = redis
        self._limits = limits
        self._ns = namespace  # tests keep their own counters apart
        self._warned_at = 0.0

    @classmethod
    def from_url(cls, url: str, limits: Limits, *, namespace: str = PREFIX) -> Protection:
        """A client that gives up fast: a Redis outage must not slow the dispatcher."""
        client = aioredis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=0.5, retry_on_timeout=False
        )
        return cls(client, limits, namespace=namespace)

    async def close(self) -> None:
        await self._redis.aclose()

    async def admit(
        self, *, college: str, recipient_id: str, channel: str, now_s: float | None = None
    ) -> Admission:
        """Whether a send may go now, in one round trip: the breaker, and the rate windows
        (the send is counted in them; one refused or failed over is counted too)."""
        now_s = time.time() if now_s is None else now_s
        minute, second = int(now_s // 60), int(now_s)
        recipient_key = f"{self._ns}:rate:recipient:{college}:{recipient_id}:{minute}"
        channel_key = f"{self._ns}:rate:channel:{channel}:{second}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.exists(f"{self._ns}:breaker:{channel}:open")
                pipe.get(f"{self._ns}:breaker:{channel}:failures")
                pipe.incr(recipient_key)
                pipe.expire(recipient_key, 120)
                pipe.incr(channel_key)
                pipe.expire(channel_key, 5)
                is_open, failures, to_recipient, _, on_channel, _ = await pipe.execute()
        except (RedisError, OSError, TimeoutError) as error:
            self._redis_away(error)
            return Admission()
        wait_s = 0.0
        if int(to_recipient) > self._limits.per_recipient_per_min:
            wait_s = (minute + 1) * 60 - now_s
        elif int(on_channel) > self._limits.per_channel_per_s:
            wait_s = (second + 1) - now_s
        return Admission(breaker_open=bool(is_open), wait_s=wait_s, failing=int(failures or 0) > 0)

    async def provider_failed(self, channel: str) -> bool:
        """Count a temporary failure; True when it opened the breaker."""
        failures_key = f"{self._ns}:breaker:{channel}:failures"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(failures_key)
                pipe.expire(failures_key, max(60, int(self._limits.breaker_open_s * 4)))
                failures, _ = await pipe.execute()
            if int(failures) < self._limits.breaker_failures:
                return False
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(
                    f"{self._ns}:breaker:{channel}:open",
                    "1",
                    px=max(1, int(self._limits.breaker_open_s * 1000)),
                )
                pipe.delete(failures_key)
                await pipe.execute()
        except (RedisError, OSError, TimeoutError) as error:
            self._redis_away(error)
            return False
        log.warning("circuit breaker opened", channel=channel, for_s=self._limits.breaker_open_s)
        return True

    async def provider_succeeded(self, channel: str) -> None:
        try:
            await self._redis.delete(f"{self._ns}:breaker:{channel}:failures")
        except (RedisError, OSError, TimeoutError) as error:
            self._redis_away(error)

    def _redis_away(self, error: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            log.warning("redis unavailable: sending without rate limits", error=repr(error)[:200])

"""Redis between server processes (`OPENSCG_BROKER_URL=redis://…`).

- Events: one channel per session (`openscg:s:{id}`); each process holds one pub/sub connection and subscribes
  once per session that has local sockets. Events are delivered to this process's own sockets directly (and the
  copy coming back from Redis is ignored), so a phone's own instance keeps serving its viewers when Redis is away.
- Delivery through Redis is at-most-once: a publish that fails is dropped and logged; viewers elsewhere see a
  `seq` jump on the next batch and read the gap from the database.
- Presence: a sorted set per session and role, member = connection id, score = expiry time. Each process
  refreshes its own members every PRESENCE_REFRESH_S, so members of a crashed process vanish within
  PRESENCE_TTL_S.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from openscg.live.broker import Broker, Event, Presence

log = logging.getLogger(__name__)
PRESENCE_TTL_S = 30.0
PRESENCE_REFRESH_S = 10.0
RECONNECT_DELAY_S = 1.0
PUBLISH_FAILURE_LOG_S = 10.0  # while Redis is away, a failed publish is logged at most this often


def _channel(session_id: str) -> str:
    return f"openscg:s:{session_id}"


def _presence_key(session_id: str, role: str) -> str:
    return f"openscg:p:{session_id}:{role}"


def encode(instance_id: str, event: Event) -> bytes:
    """`instance \\n kind \\n seq \\n origin \\n text` — the text frame is JSON and holds no raw newline."""
    return f"{instance_id}\n{event.kind}\n{event.seq}\n{event.origin}\n{event.text}".encode()


def decode(data: bytes) -> tuple[str, Event]:
    instance_id, kind, seq, origin, text = data.decode().split("\n", 4)
    return instance_id, Event(kind, int(seq), text, origin)


class RedisBroker(Broker):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.instance_id = uuid.uuid4().hex
        self._redis = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._channels: set[str] = set()
        self._local: dict[str, dict[str, set[str]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.publish_failures = 0
        self._last_failure_log_s = -PUBLISH_FAILURE_LOG_S

    async def start(self) -> None:
        await self._redis.ping()
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._refresh_presence())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(RedisError, OSError):
            await self._remove_local_presence()
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()
        await self._redis.aclose()

    async def publish(self, session_id: str, event: Event) -> None:
        self._deliver(session_id, event)
        try:
            await self._redis.publish(_channel(session_id), encode(self.instance_id, event))
        except (RedisError, OSError) as exc:
            self.publish_failures += 1
            now = time.monotonic()
            if now - self._last_failure_log_s >= PUBLISH_FAILURE_LOG_S:  # one line per interval, not per batch
                self._last_failure_log_s = now
                extra = {"session_id": session_id, "error": str(exc), "failures": self.publish_failures}
                log.warning("redis publish failed", extra=extra)

    def _deliver(self, session_id: str, event: Event) -> None:
        if self._handler is not None and _channel(session_id) in self._channels:
            self._handler(session_id, event)

    async def subscribe(self, session_id: str) -> None:
        channel = _channel(session_id)
        self._channels.add(channel)
        with contextlib.suppress(RedisError, OSError):  # re-subscribed by _listen after a reconnect
            await self._pubsub.subscribe(channel)

    async def unsubscribe(self, session_id: str) -> None:
        channel = _channel(session_id)
        self._channels.discard(channel)
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.unsubscribe(channel)

    async def _listen(self) -> None:
        """Forward events published by other processes; after a Redis failure, reconnect and re-subscribe."""
        while True:
            try:
                if self._channels:
                    await self._pubsub.subscribe(*self._channels)
                while True:
                    if not self._pubsub.subscribed:
                        await asyncio.sleep(0.05)
                        continue
                    message = await self._pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        self._on_message(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("redis subscription lost; reconnecting", extra={"error": str(exc)})
                with contextlib.suppress(Exception):
                    await self._pubsub.aclose()
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                await asyncio.sleep(RECONNECT_DELAY_S)

    def _on_message(self, channel: bytes, data: bytes) -> None:
        instance_id, event = decode(data)
        if instance_id == self.instance_id:
            return
        session_id = channel.decode().removeprefix("openscg:s:")
        self._deliver(session_id, event)

    # -- presence ---------------------------------------------------------------------------------------
    async def join(self, session_id: str, role: str, connection_id: str) -> Presence:
        self._local.setdefault(session_id, {}).setdefault(role, set()).add(connection_id)
        with contextlib.suppress(RedisError, OSError):
            await self._redis.zadd(_presence_key(session_id, role), {connection_id: time.time() + PRESENCE_TTL_S})
        return await self.presence(session_id)

    async def leave(self, session_id: str, role: str, connection_id: str) -> Presence:
        roles = self._local.get(session_id, {})
        roles.get(role, set()).discard(connection_id)
        if not any(roles.values()):
            self._local.pop(session_id, None)
        with contextlib.suppress(RedisError, OSError):
            await self._redis.zrem(_presence_key(session_id, role), connection_id)
        return await self.presence(session_id)

    async def presence(self, session_id: str) -> Presence:
        """Counted in Redis across every process; from local members alone while Redis is unreachable."""
        now = time.time()
        try:
            patients = await self._redis.zcount(_presence_key(session_id, "patient"), now, "+inf")
            viewers = await self._redis.zcount(_presence_key(session_id, "viewer"), now, "+inf")
        except (RedisError, OSError):
            roles = self._local.get(session_id, {})
            return Presence(bool(roles.get("patient")), len(roles.get("viewer", ())))
        return Presence(patients > 0, int(viewers))

    async def _refresh_presence(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_REFRESH_S)
            expiry = time.time() + PRESENCE_TTL_S
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for session_id, roles in self._local.items():
                        for role, members in roles.items():
                            if members:
                                key = _presence_key(session_id, role)
                                pipe.zadd(key, dict.fromkeys(members, expiry))
                                pipe.zremrangebyscore(key, "-inf", time.time())
                                pipe.expire(key, int(PRESENCE_TTL_S * 4))
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                log.warning("presence refresh failed", extra={"error": str(exc)})

    async def _remove_local_presence(self) -> None:
        for session_id, roles in self._local.items():
            for role, members in roles.items():
                if members:
                    await self._redis.zrem(_presence_key(session_id, role), *members)

    async def ping(self) -> None:
        await self._redis.ping()

"""The broker carries live events of a session between server processes, and keeps presence.

`memory://` is the in-process twin (one server process); `redis://` (live/redis_broker.py) joins several.
Live delivery is at-most-once by design: a receiver that sees a gap in `seq` recovers from the database.
The hub subscribes once per session per process, not once per viewer.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One live event of a session.

    kind: samples | status | analysis | ended | deleted | takeover | presence
    seq: the batch number for `samples`; text: the frame to forward as is (or a detail);
    origin: the connection that caused it (takeover: the new capture socket);
    frame: `text` as a WebSocket frame, built once by the hub for its local sockets (never sent between
    processes).
    """

    kind: str
    seq: int = -1
    text: str = ""
    origin: str = ""
    frame: bytes = b""


Handler = Callable[[str, Event], None]


@dataclass(frozen=True)
class Presence:
    patient_connected: bool
    viewers: int


class Broker(abc.ABC):
    """Publish/subscribe per session plus presence counts. Implementations must not block the loop."""

    def __init__(self) -> None:
        self._handler: Handler | None = None

    def set_handler(self, handler: Handler) -> None:
        """The one callback (the hub's) that receives every event of every subscribed session."""
        self._handler = handler

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect; raise if the backend is unreachable."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    @abc.abstractmethod
    async def publish(self, session_id: str, event: Event) -> None: ...

    @abc.abstractmethod
    async def subscribe(self, session_id: str) -> None: ...

    @abc.abstractmethod
    async def unsubscribe(self, session_id: str) -> None: ...

    @abc.abstractmethod
    async def join(self, session_id: str, role: str, connection_id: str) -> Presence: ...

    @abc.abstractmethod
    async def leave(self, session_id: str, role: str, connection_id: str) -> Presence: ...

    @abc.abstractmethod
    async def presence(self, session_id: str) -> Presence: ...

    @abc.abstractmethod
    async def ping(self) -> None: ...


class MemoryBroker(Broker):
    """In-process broker: publish hands the event straight to the hub."""

    def __init__(self) -> None:
        super().__init__()
        self._subscribed: set[str] = set()
        self._members: dict[str, dict[str, set[str]]] = {}

    async def publish(self, session_id: str, event: Event) -> None:
        if self._handler is not None and session_id in self._subscribed:
            self._handler(session_id, event)

    async def subscribe(self, session_id: str) -> None:
        self._subscribed.add(session_id)

    async def unsubscribe(self, session_id: str) -> None:
        self._subscribed.discard(session_id)

    async def join(self, session_id: str, role: str, connection_id: str) -> Presence:
        self._members.setdefault(session_id, {}).setdefault(role, set()).add(connection_id)
        return await self.presence(session_id)

    async def leave(self, session_id: str, role: str, connection_id: str) -> Presence:
        roles = self._members.get(session_id, {})
        roles.get(role, set()).discard(connection_id)
        if not any(roles.values()):
            self._members.pop(session_id, None)
        return await self.presence(session_id)

    async def presence(self, session_id: str) -> Presence:
        roles = self._members.get(session_id, {})
        return Presence(bool(roles.get("patient")), len(roles.get("viewer", ())))

    async def ping(self) -> None:
        return None


def make_broker(url: str) -> Broker:
    if url.startswith("memory://"):
        return MemoryBroker()
    if url.startswith(("redis://", "rediss://")):
        from openscg.live.redis_broker import RedisBroker

        return RedisBroker(url)
    raise ValueError(f"unsupported broker URL {url!r}")

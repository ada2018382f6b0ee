"""Fan-out inside one server process: the broker hands each event of a session to the hub once, and the hub
offers it to every local socket of that session (viewers and the capture socket). Offering never waits: each
socket has its own bounded outbox and decides what to do when it is full."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from openscg.live.broker import Broker, Event, Presence
from openscg.live.direct_send import text_frame
from openscg.protocol import dumps

log = logging.getLogger(__name__)
#: presence changes of a session within this window go out as one status message
STATUS_COALESCE_S = 0.05


class Member(Protocol):
    connection_id: str
    role: str

    def deliver(self, event: Event) -> None: ...


class Hub:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self._members: dict[str, set[Member]] = {}
        self._status_due: dict[str, str] = {}  # session → the status to publish when its window closes
        self._status_tasks: set[asyncio.Task[None]] = set()
        broker.set_handler(self._on_event)

    @property
    def session_count(self) -> int:
        return len(self._members)

    def local_members(self, session_id: str) -> int:
        return len(self._members.get(session_id, ()))

    async def attach(self, session_id: str, member: Member) -> Presence:
        """Start delivering the session's events to `member`, and count it in presence."""
        members = self._members.setdefault(session_id, set())
        if not members:
            await self.broker.subscribe(session_id)
        members.add(member)
        return await self.broker.join(session_id, member.role, member.connection_id)

    async def detach(self, session_id: str, member: Member) -> Presence:
        members = self._members.get(session_id)
        if members is not None:
            members.discard(member)
            if not members:
                del self._members[session_id]
                await self.broker.unsubscribe(session_id)
        return await self.broker.leave(session_id, member.role, member.connection_id)

    async def publish(self, session_id: str, event: Event) -> None:
        await self.broker.publish(session_id, event)

    async def publish_status(self, session_id: str, status: str) -> None:
        """Tell every viewer the session's status and presence, once the short coalescing window closes
        (called whenever one of them changes).

        A storm of joins and leaves — every viewer reconnecting after a restart — thus costs one status
        message per session per window, not one per socket to every socket (which grows with the square of
        the viewers). Presence is read when the message is built, never carried from an earlier attach or
        detach: a socket that left just as another joined would otherwise publish its older count last. With
        the in-process broker the read and the publish happen without a pause in between; across processes
        (Redis) two publishes can still cross, and the next change corrects the count."""
        first = session_id not in self._status_due
        self._status_due[session_id] = status  # the latest status asked for wins
        if first:
            task = asyncio.get_running_loop().create_task(self._publish_status_later(session_id))
            self._status_tasks.add(task)
            task.add_done_callback(self._status_tasks.discard)

    async def _publish_status_later(self, session_id: str) -> None:
        await asyncio.sleep(STATUS_COALESCE_S)
        status = self._status_due.pop(session_id)
        try:
            presence = await self.broker.presence(session_id)
            frame = dumps(
                {
                    "type": "status",
                    "status": status,
                    "patientConnected": presence.patient_connected,
                    "viewers": presence.viewers,
                }
            )
            await self.broker.publish(session_id, Event("status", text=frame))
        except Exception:  # the broker is unreachable: the next change publishes again
            log.exception("status not published", extra={"session_id": session_id})

    def _on_event(self, session_id: str, event: Event) -> None:
        members = self._members.get(session_id)
        if not members:
            return
        if event.kind == "samples" and not event.frame:  # framed once here, written as is to every viewer
            event = Event(event.kind, event.seq, event.text, event.origin, text_frame(event.text))
        for member in tuple(members):
            try:
                member.deliver(event)
            except Exception:  # a broken socket must not stop delivery to the others
                log.exception("delivery failed", extra={"session_id": session_id})

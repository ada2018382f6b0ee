"""A bounded mailbox for one socket: the hub offers without waiting; the socket's sender awaits.

When full, `offer` returns False and the owner decides (a live viewer is closed with 1013; a viewer still
catching up from the database simply drops, since the database is the truth). `force` bypasses the bound
for the few control messages that end a connection.

One is held per open socket, so it is kept small: the waiting reader is one future, made only while it waits
(an asyncio.Event would add an object and a deque of waiters to every connection).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Outbox(Generic[T]):
    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: deque[T] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def offer(self, item: T) -> bool:
        if len(self._items) >= self.maxsize:
            self.dropped += 1
            return False
        self._items.append(item)
        self._wake()
        return True

    def force(self, item: T) -> None:
        self._items.append(item)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def clear(self) -> None:
        self._items.clear()

    async def get(self) -> T:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

"""The per-socket mailbox: bounded offers, forced control messages, a reader that waits and is woken."""

from __future__ import annotations

import asyncio

from openscg.live.outbox import Outbox


async def test_reader_waits_until_an_item_is_offered_then_gets_items_in_order() -> None:
    outbox: Outbox[int] = Outbox(4)
    reader = asyncio.create_task(outbox.get())
    await asyncio.sleep(0.01)
    assert not reader.done()
    assert outbox.offer(1) and outbox.offer(2)
    assert await asyncio.wait_for(reader, 1.0) == 1
    assert await asyncio.wait_for(outbox.get(), 1.0) == 2
    assert len(outbox) == 0


async def test_full_outbox_refuses_offers_and_counts_them_but_force_goes_past_the_bound() -> None:
    outbox: Outbox[str] = Outbox(2)
    assert outbox.offer("a") and outbox.offer("b")
    assert not outbox.offer("c")
    assert outbox.dropped == 1
    outbox.force("close")
    assert [await outbox.get() for _ in range(3)] == ["a", "b", "close"]


async def test_a_cancelled_reader_leaves_the_outbox_usable() -> None:
    outbox: Outbox[int] = Outbox(2)
    reader = asyncio.create_task(outbox.get())
    await asyncio.sleep(0.01)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    assert outbox.offer(7)  # waking a reader that is gone must not raise
    assert await asyncio.wait_for(outbox.get(), 1.0) == 7


async def test_clear_empties_it_and_a_later_offer_still_wakes_the_reader() -> None:
    outbox: Outbox[int] = Outbox(3)
    outbox.offer(1)
    outbox.clear()
    reader = asyncio.create_task(outbox.get())
    await asyncio.sleep(0.01)
    assert not reader.done()
    outbox.offer(2)
    assert await asyncio.wait_for(reader, 1.0) == 2

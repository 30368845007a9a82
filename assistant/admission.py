"""Messages handled a few at a time, in the order they arrived.

Rasa handles every message it has received at once, switching between them at each wait (an action
server call, a database write). When more arrive than it can answer, each is slowed by all the others,
and a message with many steps (a diary entry being saved calls the action server several times) is
passed over again and again: at 200 simulated patients a few replies took over 90 s and some timed
out. With a limit, a message waits for its turn once, behind the ones that came before it, and is then
handled at full speed. ``ASSISTANT_RASA_CONCURRENCY`` sets the limit; 0 means none.
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Deque, Optional


class InOrderLimiter:
    """An async context manager letting at most ``limit`` holders in, the others first come first served.

    (``asyncio.Semaphore`` in Python 3.10 lets a newcomer take a slot that was freed for a waiter.)"""

    def __init__(self, limit: int):
        self.limit = limit
        self.active = 0
        self._waiting: Deque[asyncio.Future] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for turn in self._waiting if not turn.done())

    async def __aenter__(self) -> "InOrderLimiter":
        if self.limit <= 0:
            return self
        if self.active < self.limit and not self.waiting:
            self.active += 1
            return self
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn  # a leaving holder hands its place over: ``active`` stays the same
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._leave()  # the place was handed over just as we gave up: pass it on
            raise
        return self

    async def __aexit__(self, *exc_info: Optional[BaseException]) -> None:
        if self.limit > 0:
            self._leave()

    def _leave(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.active -= 1

"""Messages are let in a few at a time and in the order they came."""
from __future__ import annotations

import asyncio

import pytest

from assistant.admission import InOrderLimiter
from assistant.config import load_settings


async def _visit(limiter, name, log, hold):
    async with limiter:
        log.append(("in", name, limiter.active))
        await hold.wait()
        log.append(("out", name))


def test_no_more_than_the_limit_inside_and_the_rest_in_arrival_order():
    async def scenario():
        limiter, log, hold = InOrderLimiter(2), [], asyncio.Event()
        tasks = [asyncio.create_task(_visit(limiter, n, log, hold)) for n in "abcde"]
        await asyncio.sleep(0.01)
        assert [entry[1] for entry in log] == ["a", "b"] and limiter.waiting == 3
        hold.set()
        await asyncio.gather(*tasks)
        return limiter, log

    limiter, log = asyncio.run(scenario())
    entered = [entry for entry in log if entry[0] == "in"]
    assert [name for _, name, _ in entered] == list("abcde")
    assert max(active for _, _, active in entered) == 2
    assert limiter.active == 0 and limiter.waiting == 0


def test_a_newcomer_does_not_take_a_place_freed_for_a_waiter():
    async def scenario():
        limiter, order = InOrderLimiter(1), []

        async def visit(name, pause):
            async with limiter:
                order.append(name)
                await asyncio.sleep(pause)

        first = asyncio.create_task(visit("first", 0.02))
        await asyncio.sleep(0)
        waiter = asyncio.create_task(visit("waiter", 0))
        await asyncio.sleep(0.03)  # first leaves; the place is the waiter's
        newcomer = asyncio.create_task(visit("newcomer", 0))
        await asyncio.gather(first, waiter, newcomer)
        return order

    assert asyncio.run(scenario()) == ["first", "waiter", "newcomer"]


def test_a_waiter_that_gives_up_leaves_its_place_to_the_next():
    async def scenario():
        limiter, log, hold = InOrderLimiter(1), [], asyncio.Event()
        holder = asyncio.create_task(_visit(limiter, "holder", log, hold))
        await asyncio.sleep(0)
        quitter = asyncio.create_task(_visit(limiter, "quitter", log, hold))
        patient = asyncio.create_task(_visit(limiter, "patient", log, hold))
        await asyncio.sleep(0.01)
        quitter.cancel()
        hold.set()
        await asyncio.gather(holder, patient)
        with pytest.raises(asyncio.CancelledError):
            await quitter
        return limiter, log

    limiter, log = asyncio.run(scenario())
    assert [entry[1] for entry in log if entry[0] == "in"] == ["holder", "patient"]
    assert limiter.active == 0


def test_an_error_inside_still_frees_the_place():
    async def scenario():
        limiter = InOrderLimiter(1)
        with pytest.raises(RuntimeError):
            async with limiter:
                raise RuntimeError("action server down")
        async with limiter:
            return limiter.active

    assert asyncio.run(scenario()) == 1


def test_limit_from_the_environment(monkeypatch):
    monkeypatch.delenv("ASSISTANT_RASA_CONCURRENCY", raising=False)
    assert load_settings().rasa_concurrency == 4
    monkeypatch.setenv("ASSISTANT_RASA_CONCURRENCY", "0")
    assert load_settings().rasa_concurrency == 0

    async def unlimited():
        limiter, inside = InOrderLimiter(0), []

        async def visit():
            async with limiter:
                inside.append(1)
                await asyncio.sleep(0.01)
                return len(inside)

        return await asyncio.gather(*(visit() for _ in range(10)))

    assert max(asyncio.run(unlimited())) == 10

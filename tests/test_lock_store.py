"""The lock store of the production profile, on the project's own Redis (scripts/redis)."""
from __future__ import annotations

import asyncio
import subprocess
import threading
import time
import uuid

import pytest
from rasa.core.lock_store import RedisLockStore

from assistant.config import PROJECT_ROOT
from assistant.rasa_components.lock_store import AtomicRedisLockStore
from rasa.utils.endpoints import EndpointConfig


@pytest.fixture(scope="module")
def redis_port():
    subprocess.run([str(PROJECT_ROOT / "scripts" / "redis"), "start"], check=True, capture_output=True)
    import os
    return int(os.environ.get("ASSISTANT_REDIS_PORT", "56379"))


@pytest.fixture
def stores(redis_port):
    """Two lock stores, as two Rasa servers have, on one Redis; a key prefix of their own."""
    prefix = f"test{uuid.uuid4().hex[:8]}"
    config = EndpointConfig(url="127.0.0.1", port=redis_port, db=1, key_prefix=prefix, type="x")
    return AtomicRedisLockStore(config), AtomicRedisLockStore(config)


def test_made_from_the_endpoint_config_as_rasa_does(stores):
    store, _ = stores
    assert store.red.connection_pool.connection_kwargs["host"] == "127.0.0.1"
    assert store.key_prefix.startswith("test")


def test_a_waiter_goes_on_when_the_holder_died_and_both_tickets_expired(stores, redis_port):
    store, other = stores
    conversation = "c-" + uuid.uuid4().hex
    other.issue_ticket(conversation, lock_lifetime=1)  # a server takes the lock, then dies

    async def wait_for_lock(lock_store):
        async with lock_store.lock(conversation, lock_lifetime=1, wait_time_in_seconds=0.2):
            return time.monotonic()

    started = time.monotonic()
    acquired = asyncio.run(asyncio.wait_for(wait_for_lock(store), 5))
    assert 0.8 < acquired - started < 2.5

    # Rasa's own store spins on the same situation until its client gives up
    stock = RedisLockStore(host="127.0.0.1", port=redis_port, key_prefix=store.key_prefix.split(":")[0])
    other.issue_ticket(conversation, lock_lifetime=1)
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(wait_for_lock(stock), 4))


def test_tickets_issued_at_once_by_two_servers_are_all_distinct_and_kept(stores):
    store, other = stores
    conversation = "c-" + uuid.uuid4().hex
    numbers = []

    def issue(lock_store):
        for _ in range(40):
            numbers.append(lock_store.issue_ticket(conversation, lock_lifetime=60))

    threads = [threading.Thread(target=issue, args=(s,)) for s in (store, other, store, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(numbers) == len(set(numbers)) == 160
    assert sorted(t.number for t in store.get_lock(conversation).tickets) == sorted(numbers)


def test_two_servers_never_handle_one_conversation_at_the_same_time(stores):
    store, other = stores
    conversation = "c-" + uuid.uuid4().hex
    inside = []
    overlaps = []

    async def handle(lock_store, n):
        async with lock_store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.05):
            if inside:
                overlaps.append(n)
            inside.append(n)
            await asyncio.sleep(0.05)
            inside.remove(n)

    async def both():
        await asyncio.gather(*(handle(store if n % 2 else other, n) for n in range(10)))

    asyncio.run(both())
    assert overlaps == []
    assert store.get_lock(conversation) is None  # the last one out deletes the lock


def test_a_conversation_nobody_else_is_handling_costs_two_redis_commands(stores):
    store, other = stores
    conversation = "c-" + uuid.uuid4().hex
    commands = []
    send = store.red.execute_command

    def counted(*args, **options):
        commands.append(args[0])
        return send(*args, **options)

    store.red.execute_command = counted

    async def one_message():
        async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.05) as lock:
            assert [t.number for t in lock.tickets] == [0]
            assert [t.number for t in other.get_lock(conversation).tickets] == [0]  # the other server sees it

    asyncio.run(one_message())  # the first also loads the script into Redis
    commands.clear()
    asyncio.run(one_message())
    assert [c.upper() for c in commands] == ["SET", "EVALSHA"]
    assert store.get_lock(conversation) is None


def test_a_lock_another_server_joined_is_handed_on_not_deleted(stores):
    store, other = stores
    conversation = "c-" + uuid.uuid4().hex
    mine = store.issue_ticket(conversation, lock_lifetime=30)       # into no lock: the quick way
    theirs = other.issue_ticket(conversation, lock_lifetime=30)     # queues behind it
    store.finish_serving(conversation, mine)
    assert [t.number for t in other.get_lock(conversation).tickets] == [theirs]
    other.finish_serving(conversation, theirs)
    assert other.get_lock(conversation) is None

"""Rasa's Redis lock store, made safe for several Rasa servers (the production profile).

Rasa 3.6's ``RedisLockStore`` keeps one conversation's ticket queue in one Redis key but changes it
by read-modify-write, so two servers can overwrite each other's tickets; and a waiter spins until
its client gives up when its own ticket expires in the same second as the ticket of a server that
died holding the lock (the queue is then empty, and "now serving" is nobody). Here every change is
one Redis transaction (WATCH/MULTI), and a waiter with no live ticket before its own goes on.

Selected in endpoints.yml by ``RASA_LOCK_STORE_TYPE=assistant.rasa_components.lock_store.AtomicRedisLockStore``
(the production profile sets it).
"""
from __future__ import annotations

import asyncio
import json
from typing import Callable, Optional, Text, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs) -> None:
        if endpoint_config is not None:
            kwargs = dict(endpoint_config.kwargs, host=endpoint_config.url, **kwargs)
        super().__init__(**kwargs)

    def _atomically(self, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
        """Apply ``change`` to the stored lock in one transaction, retrying if another server
        changed it meanwhile; a lock left without tickets is deleted."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else TicketLock(conversation_id)
                    result = change(lock)
                    pipe.multi()
                    if lock.tickets:
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._atomically(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))

    def update_lock(self, conversation_id: Text) -> None:
        self._atomically(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._atomically(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self.finish_serving(conversation_id, ticket_number)  # deletes the key when nobody waits

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id) or TicketLock(conversation_id)
            if not any(t.number < ticket and not t.has_expired() for t in lock.tickets):
                return lock  # nobody alive is before us (our own ticket may have expired meanwhile)
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)


__all__ = ["AtomicRedisLockStore"]

"""Rasa's Redis lock store, made safe for several Rasa servers (the production profile).

Rasa 3.6's ``RedisLockStore`` keeps one conversation's ticket queue in one Redis key but changes it
by read-modify-write, so two servers can overwrite each other's tickets; and a waiter spins until
its client gives up when its own ticket expires in the same second as the ticket of a server that
died holding the lock (the queue is then empty, and "now serving" is nobody). Here every change is
one Redis transaction (WATCH/MULTI), and a waiter with no live ticket before its own goes on.

A message for a conversation nobody else is handling (nearly all of them) takes two Redis commands
instead of seven: its ticket is issued by creating the lock only if there is none (``SET NX``), so
nobody can be before it, and the lock is deleted at the end only if it is still exactly what was
written (a two-line script). When another server queued meanwhile, the end goes the transaction way.

Selected in endpoints.yml by ``RASA_LOCK_STORE_TYPE=assistant.rasa_components.lock_store.AtomicRedisLockStore``
(the production profile sets it).
"""
from __future__ import annotations

import asyncio
import json
from typing import Callable, Dict, Optional, Text, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
# delete the lock if nobody changed it since we wrote it
_DELETE_IF_UNCHANGED = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs) -> None:
        if endpoint_config is not None:
            kwargs = dict(endpoint_config.kwargs, host=endpoint_config.url, **kwargs)
        super().__init__(**kwargs)
        self._delete_if_unchanged = self.red.register_script(_DELETE_IF_UNCHANGED)
        # (conversation, ticket) -> the lock as written, for tickets issued into no lock at all
        self._sole_tickets: Dict[Tuple[Text, int], Text] = {}

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
        lock = TicketLock(conversation_id)
        number = lock.issue_ticket(lock_lifetime)
        written = lock.dumps()
        if self.red.set(self.key_prefix + conversation_id, written, nx=True):
            self._sole_tickets[(conversation_id, number)] = written
            return number
        return self._atomically(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))

    def update_lock(self, conversation_id: Text) -> None:
        self._atomically(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        written = self._sole_tickets.pop((conversation_id, ticket_number), None)
        if written is not None and self._delete_if_unchanged(keys=[self.key_prefix + conversation_id], args=[written]):
            return
        self._atomically(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self.finish_serving(conversation_id, ticket_number)  # deletes the key when nobody waits

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        written = self._sole_tickets.get((conversation_id, ticket))
        if written is not None:  # issued into no lock: nobody was before it
            return TicketLock.from_dict(json.loads(written))
        while True:
            lock = self.get_lock(conversation_id) or TicketLock(conversation_id)
            if not any(t.number < ticket and not t.has_expired() for t in lock.tickets):
                return lock  # nobody alive is before us (our own ticket may have expired meanwhile)
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)


__all__ = ["AtomicRedisLockStore"]

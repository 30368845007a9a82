"""Leaving a loaded model out of garbage collections (assistant/heap.py), as the Rasa server does once it has started."""
from __future__ import annotations

import gc
import weakref

import pytest

from assistant.channels import GuardedRestInput, GuardedSocketIOInput
from assistant.heap import freeze_loaded_objects


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cycle collector frees it


def test_what_lives_at_start_is_frozen_and_later_garbage_is_still_collected(unfrozen):
    model = [{"weight": n} for n in range(50_000)]
    frozen = freeze_loaded_objects()
    assert frozen >= len(model)
    assert not any(obj is model for obj in gc.get_objects())  # frozen objects are no longer walked
    Node()
    assert gc.collect() >= 1  # a cycle made afterwards is freed as before


def test_garbage_at_start_is_freed_not_frozen(unfrozen):
    garbage = weakref.ref(Node())
    assert garbage() is not None  # a cycle waits for the collector
    freeze_loaded_objects()
    assert garbage() is None


def test_a_second_call_does_nothing(unfrozen):
    assert freeze_loaded_objects() > 0
    garbage = weakref.ref(Node())
    assert freeze_loaded_objects() == 0
    assert garbage() is not None  # no second full collection at start-up


@pytest.mark.parametrize("channel", [GuardedRestInput, GuardedSocketIOInput])
def test_each_chat_channel_freezes_once_the_server_has_started(channel):
    blueprint = channel().blueprint(lambda message: None)
    listeners = [listener for listener in blueprint._future_listeners if listener.event == "after_server_start"]
    assert [listener.listener.__name__ for listener in listeners] == ["freeze"]

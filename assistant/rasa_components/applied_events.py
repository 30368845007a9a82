"""Rasa's list of a conversation's applied events, carried forward as events arrive instead of redone.

``DialogueStateTracker.applied_events()`` walks every event of the session, and for every step of a
form walks back again; Rasa calls it for each prediction, several times per message, each time after
new events. At 500 events one walk took 5 ms (``bench/load.py --profile`` put it and its helpers at a
fifth of the Rasa server's CPU per message). The walk only ever looks at the events so far and the
list it has built, so it can go on from where it stopped when events are appended; the one thing that
looks ahead is the set of form names the session uses, and when a new event brings a new one the walk
starts over. The step below is Rasa's own (``rasa/shared/core/trackers.py``, Rasa 3.6), with Rasa's
helpers; ``tests/test_applied_events.py`` checks it against Rasa's walk after every event.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any, FrozenSet, Iterable, List, Optional

from rasa.shared.core.events import (ActionExecuted, ActionReverted, ActiveLoop, Event, Restarted, SessionStarted,
                                     UserUttered, UserUtteranceReverted)
from rasa.shared.core.trackers import DialogueStateTracker

_rasa_applied_events = DialogueStateTracker.applied_events
_STATE_ATTRIBUTE = "_assistant_applied_events"


@dataclass
class _Walk:
    """Where the walk stopped: over which events, up to which one, with which result."""

    events: Any  # the tracker's own list of events (a deque), held so that its identity stays unique
    length: int
    last: Optional[Event]
    loop_names: FrozenSet[str]
    applied: List[Event]


def _loop_names(events: Iterable[Event]) -> FrozenSet[str]:
    return frozenset(event.name for event in events if isinstance(event, ActiveLoop) and event.name)


def _step(tracker: DialogueStateTracker, event: Event, loop_names: FrozenSet[str], applied: List[Event]) -> List[Event]:
    """One event of Rasa's walk; returns the list to go on with (a restart begins a new one)."""
    if isinstance(event, (Restarted, SessionStarted)):
        return []
    if isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (
        isinstance(event, ActionExecuted)
        and event.action_name in loop_names
        and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
    ):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)
    return applied


def _walk(tracker: DialogueStateTracker, events: Iterable[Event], loop_names: FrozenSet[str],
          applied: List[Event]) -> List[Event]:
    for event in events:
        applied = _step(tracker, event, loop_names, applied)
    return applied


def _resumable(walk: Optional[_Walk], events: Any) -> bool:
    if walk is None or walk.events is not events or walk.length > len(events):
        return False
    return walk.length == 0 or events[walk.length - 1] is walk.last


def applied_events(self: DialogueStateTracker) -> List[Event]:
    events = self.events
    walk: Optional[_Walk] = self.__dict__.get(_STATE_ATTRIBUTE)
    if _resumable(walk, events):
        new_events = list(islice(events, walk.length, None))
        if _loop_names(new_events) <= walk.loop_names:
            applied = _walk(self, new_events, walk.loop_names, list(walk.applied))
        else:
            walk = None
    else:
        walk = None
    if walk is None:
        loop_names = _loop_names(events)
        applied = _walk(self, events, loop_names, [])
    else:
        loop_names = walk.loop_names
    self.__dict__[_STATE_ATTRIBUTE] = _Walk(events, len(events), events[-1] if events else None, loop_names,
                                            list(applied))
    return applied


def install() -> None:
    DialogueStateTracker.applied_events = applied_events


__all__ = ["applied_events", "install"]

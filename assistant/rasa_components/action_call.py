"""What Rasa sends the action server with each call: the conversation's state, and the events of
the current turn rather than of the whole session.

Rasa 3.6 (``RemoteAction._action_call_format``) puts every event of the session into every call: a
conversation of 530 events is 220 KB of JSON, about 5 ms for the Rasa server to build and encode and
4 ms for the action server to decode, twice for a diary save. What the call carries besides the
events (slots, the latest message with its entities, the active form, the latest action, the input
channel) is unchanged, and is what our actions read; the rest of what they need is in the database.
rasa-sdk itself reads the events only backwards from the end: a form's validation collects the slot
events after the last other event (``Tracker.slots_to_validate``), and the input channel is that of
the latest user message. So the events sent start at the latest user message (all of them while
there is none yet, at the start of a session). ``install()`` runs when Rasa loads our chat channels.
"""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Text

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

_rasa_action_call_format = RemoteAction._action_call_format  # the whole session's events, for comparison


def current_turn(events: Sequence[Event]) -> List[Event]:
    """The events from the latest user message on; every event when there is no user message."""
    turn = []
    for event in reversed(events):  # from the end: the session before the turn is never copied
        turn.append(event)
        if isinstance(event, UserUttered):
            return turn[::-1]
    return turn[::-1]


def action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Any) -> Dict[Text, Any]:
    """Rasa's request body for the action server, with the current turn's events only."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in current_turn(tracker.events)]
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
              "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


def install() -> None:
    RemoteAction._action_call_format = action_call_format


__all__ = ["action_call_format", "current_turn", "install"]

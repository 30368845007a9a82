"""A tracker's applied events, kept between calls, are always what Rasa's own walk gives."""
from __future__ import annotations

from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActionReverted, ActiveLoop, BotUttered,
                                     SessionStarted, SlotSet, UserUttered, UserUtteranceReverted)
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.rasa_components import applied_events as cached_applied_events

rasa_applied_events = cached_applied_events._rasa_applied_events


def user(text):
    return UserUttered(text, {"name": "inform", "confidence": 0.9})


def diary_conversation():
    """A form asked step by step, an unhappy path, reverts and a new session."""
    form = "diary_form"
    events = [ActionExecuted("action_listen"), user("my diary"), ActionExecuted(form), ActiveLoop(form),
              SlotSet("requested_slot", "leg_pain"), ActionExecuted("action_listen")]
    for score in ("5", "6", "7"):
        events += [user(score), ActionExecuted(form), SlotSet("leg_pain", score), ActionExecuted("action_listen")]
    events += [user("what is sciatica?"), ActionExecutionRejected(form), ActionExecuted("action_answer"),
               BotUttered("It is ..."), ActionExecuted(form), ActionExecuted("action_listen"),
               user("oops"), UserUtteranceReverted(), user("8"), ActionExecuted(form), ActionReverted(),
               ActionExecuted(form), ActiveLoop(None), ActionExecuted("action_listen"),
               ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
               user("hello again"), ActionExecuted("utter_greet"), ActionExecuted("action_listen")]
    return events


def test_every_step_of_a_conversation_matches_rasas_walk():
    cached_applied_events.install()
    tracker, reference = DialogueStateTracker("ann", []), DialogueStateTracker("ann", [])
    for event in diary_conversation():
        tracker.update(event)
        reference.update(event)
        first, again = tracker.applied_events(), tracker.applied_events()  # the second from what was kept
        expected = rasa_applied_events(reference)
        assert first == again == expected
        assert [id(e) for e in again] == [id(e) for e in expected]


def test_changing_the_returned_list_does_not_change_the_next_answer():
    cached_applied_events.install()
    tracker = DialogueStateTracker("ben", [])
    for event in diary_conversation()[:10]:
        tracker.update(event)
    answer = tracker.applied_events()
    answer.clear()
    assert tracker.applied_events() == rasa_applied_events(tracker) != []


def test_events_replaced_whole_are_walked_again():
    cached_applied_events.install()
    tracker = DialogueStateTracker("cat", [])
    for event in diary_conversation()[:12]:
        tracker.update(event)
    tracker.applied_events()
    tracker.events = tracker._create_events([])  # a new list of events, as a new tracker starts with
    for event in diary_conversation()[:5]:
        tracker.update(event)
    assert tracker.applied_events() == rasa_applied_events(tracker)
    assert len(tracker.applied_events()) <= 5


def test_a_tracker_that_forgets_its_oldest_events_is_walked_again():
    cached_applied_events.install()
    tracker = DialogueStateTracker("dan", [], max_event_history=6)
    reference = DialogueStateTracker("dan", [], max_event_history=6)
    for event in diary_conversation():
        tracker.update(event)
        reference.update(event)
        assert tracker.applied_events() == rasa_applied_events(reference)

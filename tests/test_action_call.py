"""The action server's request carries the current turn's events (assistant/rasa_components/action_call.py):
what rasa-sdk and our actions read from it is what they read from Rasa's own whole-session request."""
from __future__ import annotations

import asyncio
import json
from functools import lru_cache

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor

import assistant.channels  # noqa: F401  (loading the channels installs the format, as in the Rasa server)
from assistant.config import PROJECT_ROOT
from assistant.rasa_components import action_call
from assistant.rasa_components.action_call import current_turn

TOPIC = [{"entity": "topic", "value": "spinal-cord-stimulation", "start": 8, "end": 33}]


@lru_cache(maxsize=1)
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def said(text, intent, entities=()):
    return UserUttered(text, {"name": intent, "confidence": 0.97}, list(entities), input_channel="rest")


def opening():
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


def questions(count):
    events = []
    for _ in range(count):
        events += [said("what is spinal cord stimulation?", "ask_what_is", TOPIC), ActionExecuted("action_answer_topic"),
                   BotUttered("A long answer about the treatment. " * 10), SlotSet("topic", "spinal-cord-stimulation"),
                   ActionExecuted("action_listen")]
    return events


def diary_validation(answer):
    """The tracker Rasa's form builds to have an answer validated: the candidate slot comes last."""
    return [said("I want to log my symptoms", "log_diary"), ActionExecuted("utter_diary_start"),
            BotUttered("Let's fill in today's diary."), ActionExecuted("diary_form"), ActiveLoop("diary_form"),
            SlotSet("requested_slot", "diary_leg_pain"), ActionExecuted("action_listen"),
            said(answer, "inform"), ActionExecuted("diary_form"), SlotSet("diary_leg_pain", answer)]


def tracker_of(events, sender="patient-action-call"):
    return DialogueStateTracker.from_events(sender, events, domain().slots)


def both_requests(action_name, tracker):
    """(Rasa's own body, ours), each through JSON as the action server receives it."""
    action = RemoteAction(action_name, None)
    rasa_body = action_call._rasa_action_call_format(action, tracker, domain())
    our_body = action._action_call_format(tracker, domain())
    return json.loads(json.dumps(rasa_body)), json.loads(json.dumps(our_body))


def test_loading_our_channels_installs_the_format_in_rasa():
    assert RemoteAction._action_call_format is action_call.action_call_format


def test_the_turn_starts_at_the_latest_user_message():
    events = opening() + questions(3) + diary_validation("6")
    turn = current_turn(events)
    assert turn[0] == said("6", "inform") and turn == events[-3:]


def test_a_session_without_a_user_message_is_sent_whole():
    assert current_turn(opening()) == opening()
    assert current_turn([]) == []


def test_everything_but_the_older_events_is_rasas_own():
    rasa_body, our_body = both_requests("validate_diary_form", tracker_of(opening() + questions(30) + diary_validation("6")))
    rasa_events, our_events = rasa_body["tracker"].pop("events"), our_body["tracker"].pop("events")
    assert our_body == rasa_body  # state, next action, sender, version and the whole domain
    assert our_events == rasa_events[-len(our_events):] and our_events[0]["event"] == "user"
    assert len(json.dumps(our_events)) * 20 < len(json.dumps(rasa_events))


def test_what_rasa_sdk_reads_is_the_same():
    rasa_body, our_body = both_requests("validate_diary_form", tracker_of(opening() + questions(12) + diary_validation("7")))
    full, ours = Tracker.from_dict(rasa_body["tracker"]), Tracker.from_dict(our_body["tracker"])
    for read in ("slots_to_validate", "get_latest_input_channel", "get_intent_of_latest_message", "is_paused",
                 "current_slot_values"):
        assert getattr(ours, read)() == getattr(full, read)(), read
    assert ours.slots_to_validate() == {"diary_leg_pain": "7"}
    for attribute in ("latest_message", "active_loop", "latest_action_name", "followup_action", "sender_id"):
        assert getattr(ours, attribute) == getattr(full, attribute), attribute
    assert ours.current_state()["latest_event_time"] == full.current_state()["latest_event_time"]


def run_action(body):
    executor = ActionExecutor()
    executor.register_package("actions")
    return asyncio.run(executor.run(body))


def test_our_actions_answer_the_same(seeded_db_url):
    conversation = opening() + questions(8)
    cases = [("validate_diary_form", conversation + diary_validation("6")),
             ("validate_diary_form", conversation + diary_validation("I can't feel my bladder")),
             ("validate_diary_form", conversation + diary_validation("stop")),
             ("action_answer_topic", conversation + [said("what are the risks?", "ask_risks")]),
             ("action_session_start", opening())]
    for name, events in cases:
        rasa_body, our_body = both_requests(name, tracker_of(events, sender=f"patient-{len(events)}"))
        answer = run_action(our_body)
        assert answer and (answer["events"] or answer["responses"]), name
        assert answer == run_action(rasa_body), name

"""The knowledge actions through rasa-sdk's Tracker and CollectingDispatcher, on a real database."""
from __future__ import annotations

import asyncio

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import ActionAnswerTopic, ActionClarify
from actions.session import ActionSessionStart
from assistant.db import session_scope
from assistant.knowledge.store import KnowledgeStore
from tests.conftest import make_tracker, topic_entity


def run(action, tracker, domain=None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher.messages, events


def published(url, slug, aspect):
    with session_scope(url) as session:
        return KnowledgeStore(session).published_answer(slug, aspect).body


def test_answer_reads_the_store_and_remembers_the_topic(seeded_db_url):
    tracker = make_tracker("what is a nerve block", "ask_what_is", [topic_entity("nerve block")])
    messages, events = run(ActionAnswerTopic(), tracker)
    assert messages[0]["text"] == published(seeded_db_url, "selective-nerve-root-block", "overview")
    assert events == [SlotSet("topic", "selective-nerve-root-block")]


def test_follow_up_uses_the_topic_slot(seeded_db_url):
    tracker = make_tracker("how long does it last", "ask_what_to_expect", slots={"topic": "spinal-cord-stimulation"})
    messages, events = run(ActionAnswerTopic(), tracker)
    assert messages[0]["text"] == published(seeded_db_url, "spinal-cord-stimulation", "what-to-expect")
    assert events == [SlotSet("topic", "spinal-cord-stimulation")]


def test_an_edited_text_is_the_next_answer_without_restart(seeded_db_url):
    action = ActionAnswerTopic()
    tracker = make_tracker("what is scs", "ask_what_is", [topic_entity("spinal-cord-stimulation")])
    run(action, tracker)
    with session_scope(seeded_db_url) as session:
        KnowledgeStore(session).publish("spinal-cord-stimulation", "overview", "Edited. Ask your care team.",
                                        author="editor-ann")
    messages, _ = run(action, tracker)
    assert messages[0]["text"] == "Edited. Ask your care team."


def test_missing_topic_asks_with_response_and_buttons(seeded_db_url):
    messages, events = run(ActionAnswerTopic(), make_tracker("what are the risks", "ask_risks"))
    assert messages[0]["response"] == "utter_ask_which_topic"
    assert len(messages[0]["buttons"]) == 15  # 11 therapies and 4 tests
    assert events == [SlotSet("topic", None)]


def test_missing_aspect_names_the_topic_in_the_response_variables(seeded_db_url):
    messages, _ = run(ActionAnswerTopic(), make_tracker("is numbness risky", "ask_risks", [topic_entity("numb")]))
    assert messages[0]["response"] == "utter_no_text_for_aspect"
    assert messages[0]["topic_title"] == "Numbness"
    assert messages[1]["text"] == published(seeded_db_url, "numbness", "what-to-expect")


def test_clarify_offers_the_likeliest_topics(seeded_db_url):
    messages, events = run(ActionClarify(), make_tracker("the stimulater thingy", "nlu_fallback"))
    assert messages[0]["response"] == "utter_clarify_topic"
    assert messages[0]["buttons"][0]["payload"] == '/ask_what_is{"topic": "spinal-cord-stimulation"}'
    assert events == []


def test_session_start_introduces_the_assistant_and_carries_slots_over():
    tracker = make_tracker(slots={"topic": "opioids"})
    messages, events = run(ActionSessionStart(), tracker,
                           {"session_config": {"carry_over_slots_to_new_session": True}})
    assert [m["response"] for m in messages] == ["utter_intro"]
    assert events[0]["event"] == "session_started"
    assert SlotSet("topic", "opioids") in events
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")

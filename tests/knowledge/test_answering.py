"""What the bot answers for an understood question: topic, aspect, context and fallbacks."""
from __future__ import annotations

import json

import pytest

from assistant.knowledge.answering import AnswerService
from assistant.knowledge.store import KnowledgeStore


@pytest.fixture
def service(seeded_session):
    return AnswerService(KnowledgeStore(seeded_session))


def body(service, slug, aspect):
    return service.store.published_answer(slug, aspect).body


@pytest.mark.parametrize("intent, aspect", [
    ("ask_what_is", "overview"),
    ("ask_how_it_works", "how-it-works"),
    ("ask_risks", "risks"),
    ("ask_suitability", "suitability"),
    ("ask_what_to_expect", "what-to-expect"),
])
def test_each_aspect_intent_answers_its_aspect(service, intent, aspect):
    reply = service.reply(intent, ["the stimulator"], None)
    assert [m.text for m in reply.messages] == [body(service, "spinal-cord-stimulation", aspect)]
    assert reply.topic == "spinal-cord-stimulation"


def test_a_follow_up_without_a_topic_uses_the_conversation_topic(service):
    reply = service.reply("ask_risks", [], "spinal-cord-stimulation")
    assert reply.messages[0].text == body(service, "spinal-cord-stimulation", "risks")
    assert reply.topic == "spinal-cord-stimulation"


def test_a_new_topic_replaces_the_conversation_topic(service):
    reply = service.reply("ask_risks", ["Lyrica"], "spinal-cord-stimulation")
    assert reply.messages[0].text == body(service, "neuropathic-pain-medicines", "risks")
    assert reply.topic == "neuropathic-pain-medicines"


def test_an_aspect_question_with_no_topic_at_all_asks_which_one(service):
    reply = service.reply("ask_risks", [], None)
    (message,) = reply.messages
    assert message.response == "utter_ask_which_topic"
    payloads = [json.loads(b["payload"][len("/ask_risks"):]) for b in message.buttons]
    assert {"topic": "spinal-cord-stimulation"} in payloads and {"topic": "imaging"} in payloads
    assert all(b["payload"].startswith("/ask_risks{") for b in message.buttons)


@pytest.mark.parametrize("intent, slug", [
    ("ask_condition", "refractory-radiculopathy"),
    ("ask_symptoms", "symptoms-overview"),
    ("ask_causes", "causes-overview"),
    ("ask_diagnosis", "diagnosis-overview"),
])
def test_category_questions_without_a_named_topic_get_the_overview(service, intent, slug):
    reply = service.reply(intent, [], None)
    assert reply.messages[0].text == body(service, slug, "overview")


def test_a_category_question_naming_a_topic_answers_that_topic(service):
    reply = service.reply("ask_causes", ["scar tissue"], None)
    assert reply.messages[0].text == body(service, "epidural-fibrosis", "overview")
    assert reply.topic == "epidural-fibrosis"


def test_naming_the_condition_in_a_category_question_still_gets_the_overview(service):
    reply = service.reply("ask_causes", ["sciatica"], None)
    assert reply.messages[0].text == body(service, "causes-overview", "overview")


def test_treatment_options_list_every_therapy_as_a_button(service):
    reply = service.reply("ask_treatment_options", [], "imaging")
    assert reply.messages[0].text == body(service, "treatment-options", "overview")
    buttons = reply.messages[1].buttons
    assert reply.messages[1].response == "utter_pick_a_therapy"
    assert len(buttons) == 11
    assert {"title": "Spinal cord stimulation",
            "payload": '/ask_what_is{"topic": "spinal-cord-stimulation"}'} in buttons
    assert reply.topic == "imaging"  # an overview does not replace the conversation's topic


def test_an_aspect_a_topic_lacks_falls_back_to_the_nearest_and_says_so(service):
    reply = service.reply("ask_suitability", ["numbness"], None)
    assert reply.messages[0].response == "utter_no_text_for_aspect"
    assert reply.messages[0].variables == {"topic_title": "Numbness"}
    assert reply.messages[1].text == body(service, "numbness", "what-to-expect")


def test_two_topics_named_get_two_answers(service):
    reply = service.reply("ask_risks", ["SCS", "DRG"], None)
    assert [m.text for m in reply.messages] == [
        body(service, "spinal-cord-stimulation", "risks"), body(service, "dorsal-root-ganglion-stimulation", "risks")]


def test_unknown_words_and_a_stale_context_are_ignored(service):
    reply = service.reply("ask_risks", ["banana"], "deleted-topic")
    assert reply.messages[0].response == "utter_ask_which_topic"
    assert reply.topic is None


def test_the_newest_published_text_is_what_the_next_reply_says(service):
    service.store.publish("spinal-cord-stimulation", "overview", "Fresh text. Ask your care team.", author="ann")
    assert service.reply("ask_what_is", ["SCS"], None).messages[0].text == "Fresh text. Ask your care team."

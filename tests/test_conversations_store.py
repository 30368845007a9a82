"""The conversation store reads Rasa's SQL tracker table directly: excerpts around a flagged message,
the questions a patient asked, deletion for privacy requests, and a store that is missing or empty."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from assistant.conversations import EVENTS, ConversationStore, evidence_pattern, fallback_message_key
from tests.patients import tracker_db

CONVERSATION = [
    ("bot", "Hello, I am the assistant."),
    ("user", "hi", "greet", "m1"),
    ("bot", "How can I help?"),
    ("user", "what is a nerve root block?", "ask_what_is", "m2"),
    ("bot", "A nerve root block is an injection."),
    ("user", "my leg hurts a lot today", "report_symptom", "m3"),
    ("bot", "I am sorry to hear that."),
    ("user", "I cannot control my BLADDER since this morning", "report_symptom", "m4"),
    ("bot", "Please call emergency services now."),
    ("bot", "A nurse will see this."),
    ("user", "ok", "affirm", "m5"),
    ("bot", "Thank you."),
    ("user", "what are the risks", "ask_risks", "m6"),
    ("user", "/ask_risks", "ask_risks", "m7"),
    ("user", "tell me about my condition", "ask_condition", "m8"),
]


@pytest.fixture
def tracker_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker_db.store(url, "alice-1", CONVERSATION)
    tracker_db.store(url, "bob-1", [("user", "I cannot control my bladder", "report_symptom", "b1")])
    return url


def test_events_table_has_the_shape_rasa_creates(monkeypatch):
    # Rasa's own declarative_base() on SQLAlchemy 1.4 triggers the "prepare for 2.0" banner: not ours.
    monkeypatch.setattr("sqlalchemy.util.deprecations.SILENCE_UBER_WARNING", True)
    from rasa.core.tracker_store import SQLTrackerStore

    rasa_table = SQLTrackerStore.SQLEvent.__table__
    shape = lambda table: [(c.name, str(c.type), c.nullable, c.primary_key) for c in table.columns]
    assert shape(EVENTS) == shape(rasa_table) == shape(tracker_db.EVENTS)


def test_excerpt_finds_the_message_by_evidence_and_keeps_turns_around_it(tracker_url):
    excerpt = ConversationStore(tracker_url).excerpt(["alice-1"], "cannot control my bladder", turns=1)
    assert excerpt.sender_id == "alice-1"
    assert excerpt.focus.text == "I cannot control my BLADDER since this morning"
    texts = [m.text for m in excerpt.messages]
    # one exchange before, the flagged one with both bot replies, one exchange after
    assert texts == ["my leg hurts a lot today", "I am sorry to hear that.",
                     "I cannot control my BLADDER since this morning", "Please call emergency services now.",
                     "A nurse will see this.", "ok", "Thank you."]
    assert [m.speaker for m in excerpt.messages][:2] == ["patient", "bot"]


def test_excerpt_stays_within_the_patients_own_conversations(tracker_url):
    store = ConversationStore(tracker_url)
    excerpt = store.excerpt(["bob-1"], "cannot control my bladder")
    assert [m.sender_id for m in excerpt.messages] == ["bob-1"]
    assert store.excerpt(["someone-else"], "cannot control my bladder") is None
    assert store.excerpt(["alice-1"], "words nobody said") is None
    assert store.excerpt(["alice-1"], "   ") is None


def test_excerpt_prefers_the_message_named_by_the_flags_source_key(tracker_url):
    store = ConversationStore(tracker_url)
    assert store.excerpt(["alice-1"], "", source_key="message:m3").focus.text == "my leg hurts a lot today"
    assert store.excerpt(["alice-1"], "", source_key="diary-answer:m5").focus.text == "ok"
    key = fallback_message_key("alice-1", "hi")
    assert store.excerpt(["alice-1"], "no such words", source_key=f"message:{key}").focus.text == "hi"


def test_excerpt_turns_zero_is_the_flagged_exchange_only(tracker_url):
    excerpt = ConversationStore(tracker_url).excerpt(["alice-1"], "leg hurts", turns=0)
    assert [m.text for m in excerpt.messages] == ["my leg hurts a lot today", "I am sorry to hear that."]


def test_when_evidence_repeats_the_message_nearest_the_flag_is_chosen(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    tracker_db.store(url, "c-1", [("user", "numb again"), ("bot", "noted"), ("user", "numb again")],
                     start=1_700_000_000.0)
    store = ConversationStore(url)
    first = datetime.fromtimestamp(1_700_000_001.0, tz=timezone.utc)
    assert store.excerpt(["c-1"], "numb", near=first).focus.at == first
    assert store.excerpt(["c-1"], "numb").focus.at > first  # without a time: the latest


def test_questions_asked_are_knowledge_intents_in_order(tracker_url):
    questions = ConversationStore(tracker_url).questions_asked(["alice-1", "bob-1"])
    assert [(q.text, q.intent) for q in questions] == [
        ("what is a nerve root block?", "ask_what_is"), ("what are the risks", "ask_risks"),
        ("tell me about my condition", "ask_condition")]  # button payloads ("/ask_risks") are not questions
    assert questions[0].at.tzinfo is not None


def test_events_for_is_json_ready_and_delete_for_removes_only_those_senders(tracker_url):
    store = ConversationStore(tracker_url)
    events = store.events_for(["bob-1"])
    assert [e["text"] for e in events if e["text"]] == ["I cannot control my bladder"]
    assert events[0]["data"]["event"] == "user"
    total_alice = len(store.events_for(["alice-1"]))
    assert store.delete_for(["bob-1"]) == len(events)
    assert store.events_for(["bob-1"]) == [] and len(store.events_for(["alice-1"])) == total_alice
    assert store.delete_for([]) == 0


def test_sql_looking_sender_ids_are_just_values(tracker_url):
    store = ConversationStore(tracker_url)
    assert store.events_for(["x' OR '1'='1"]) == []
    assert store.delete_for(["x' OR '1'='1", "%"]) == 0
    assert store.has_events(["alice-1"])


def test_missing_file_or_table_reads_as_empty_and_creates_nothing(tmp_path):
    missing = tmp_path / "nothing-here.db"
    store = ConversationStore(f"sqlite:///{missing}")
    assert store.messages(["a"]) == [] and store.questions_asked(["a"]) == [] and store.delete_for(["a"]) == 0
    assert store.excerpt(["a"], "bladder") is None
    assert not missing.exists()

    other = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{other}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE unrelated (id INTEGER)"))
    store = ConversationStore(f"sqlite:///{other}")
    assert store.events_for(["a"]) == [] and not store.has_events(["a"]) and store.delete_for(["a"]) == 0


def test_malformed_event_data_is_skipped(tmp_path):
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    engine = tracker_db.create(url)
    with engine.begin() as connection:
        for data in ("not json", "[1, 2]", '{"event": "user"}', '{"event": "user", "text": "real words"}'):
            connection.execute(tracker_db.EVENTS.insert().values(sender_id="s", type_name="user", data=data))
    store = ConversationStore(url)
    assert [m.text for m in store.messages(["s"])] == ["real words"]
    assert store.messages(["s"])[0].at is None


def test_evidence_pattern_ignores_case_and_spacing_and_escapes_regex():
    pattern = evidence_pattern("Can't  feel (my) leg")
    assert pattern.search("i CAN'T feel\n(my) leg today")
    assert not pattern.search("cant feel my leg")
    assert evidence_pattern("") is None

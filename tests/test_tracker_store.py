"""The caching tracker store: every turn reads what Rasa's own SQL tracker store reads from the same
database, including turns taken by another server, new sessions and deletions on request."""
from __future__ import annotations

import asyncio
from typing import List

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, DefinePrevUserUtteredFeaturization, EntitiesAdded,
                                     Event, SessionStarted, SlotSet, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import read_endpoint_config

from assistant.config import PROJECT_ROOT
from assistant.conversations import ConversationStore
from assistant.rasa_components.tracker_store import CachingSQLTrackerStore, cached_conversations
from tests.conftest import POSTGRES_URL, _drop_postgres_database, _new_postgres_database

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def tracker_url(tmp_path):
    """An empty tracker database: SQLite here, a fresh PostgreSQL database under make test-postgres."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    url = _new_postgres_database()
    yield url
    _drop_postgres_database(url)


@pytest.fixture
def stores(domain, tracker_url):
    """Server A and server B with caching stores, and Rasa's own store as the reference, one database."""
    made = [CachingSQLTrackerStore(domain, host=tracker_url), CachingSQLTrackerStore(domain, host=tracker_url),
            SQLTrackerStore(domain, host=tracker_url)]
    yield made
    for store in made:
        store.engine.dispose()


def run(coroutine):
    return asyncio.run(coroutine)


def state(tracker: DialogueStateTracker):
    return tracker.current_state(EventVerbosity.ALL)


def user_turn(text: str, intent: str, entities=(), slot=None) -> List[Event]:
    """What Rasa appends for a message: the message, its featurization and entities, an action and a reply."""
    found = [{"entity": "topic", "value": value, "start": 0, "end": len(value)} for value in entities]
    events: List[Event] = [
        UserUttered(text, {"name": intent, "confidence": 0.93}, found,
                    parse_data={"intent_ranking": [{"name": intent, "confidence": 0.93}]}),
        DefinePrevUserUtteredFeaturization(False),
        EntitiesAdded([{"entity": "topic", "value": "diary"}]),
        ActionExecuted("action_answer", policy="RulePolicy", confidence=1.0),
        BotUttered(f"about {intent}", {"buttons": [{"title": "More", "payload": "/more"}]}),
    ]
    if slot:
        events.append(SlotSet(*slot))
    events.append(ActionExecuted("action_listen"))
    return events


def new_session() -> List[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


def stored_rows(store, sender: str) -> int:
    events = store.SQLEvent
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).where(events.sender_id == sender)).scalar_one()


async def take_turn(store, sender: str, events: List[Event]) -> None:
    """Read the conversation, add a turn and save it, as Rasa's processor does for one message; the
    turn's events, and only they, are stored."""
    before = stored_rows(store, sender)
    tracker = await store.retrieve(sender)
    if tracker is None:
        tracker = DialogueStateTracker(sender, store.domain.slots)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    assert stored_rows(store, sender) == before + len(events)


def assert_reads_alike(store, reference, sender: str) -> DialogueStateTracker:
    ours, rasas = run(store.retrieve(sender)), run(reference.retrieve(sender))
    assert state(ours) == state(rasas)
    return ours


def test_endpoints_yml_makes_rasa_use_the_caching_store(domain, tracker_url, monkeypatch):
    # Rasa falls back to an in-memory store, with a warning only, when a custom type does not load.
    monkeypatch.setenv("RASA_TRACKER_STORE_URL", tracker_url)
    for name, value in {"ASSISTANT_ACTION_URL": "http://127.0.0.1:5055/webhook", "RASA_LOCK_STORE_TYPE": "in_memory",
                        "RASA_LOCK_STORE_HOST": "", "RASA_LOCK_STORE_PORT": ""}.items():
        monkeypatch.setenv(name, value)  # the rest of endpoints.yml is read too
    config = read_endpoint_config(str(PROJECT_ROOT / "endpoints.yml"), "tracker_store")
    store = TrackerStore.create(config, domain)
    store = getattr(store, "_tracker_store", store)  # Rasa may wrap it
    assert isinstance(store, CachingSQLTrackerStore)
    store.engine.dispose()


def test_every_turn_reads_as_rasas_own_store_reads_it(stores):
    server, _, rasa_store = stores
    turns = [("hello", user_turn("hello", "greet")),
             ("what is sciatica", user_turn("what is sciatica", "ask_topic", ["sciatica"], slot=("topic", "sciatica"))),
             ("and surgery?", user_turn("and surgery?", "ask_topic", ["surgery"], slot=("topic", "surgery"))),
             ("back again", new_session() + user_turn("back again", "greet")),
             ("my diary", user_turn("my diary", "start_diary", slot=("topic", None)))]
    for text, turn in turns:
        run(take_turn(server, "ann", turn))
        tracker = assert_reads_alike(server, rasa_store, "ann")
        assert tracker.latest_message.text == text
    # only the new session's events are read, as Rasa reads them
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["back again", "my diary"]
    assert tracker.get_slot("topic") is None
    assert server.hits >= 3


def test_a_turn_taken_by_another_server_is_read_and_kept(stores, tracker_url):
    server_a, server_b, rasa_store = stores
    run(take_turn(server_a, "ben", user_turn("hi", "greet")))
    run(take_turn(server_a, "ben", user_turn("pain", "ask_topic", ["pain"])))
    run(take_turn(server_b, "ben", user_turn("and nerves", "ask_topic", ["nerves"])))
    hits, misses = server_a.hits, server_a.misses
    tracker = assert_reads_alike(server_a, rasa_store, "ben")
    assert tracker.latest_message.text == "and nerves"
    assert (server_a.hits, server_a.misses) == (hits + 1, misses)  # only B's rows were read
    run(take_turn(server_a, "ben", user_turn("thanks", "thank")))
    assert_reads_alike(server_b, rasa_store, "ben")
    assert_reads_alike(server_a, rasa_store, "ben")
    rows = ConversationStore(tracker_url).events_for(["ben"])
    assert len(rows) == len(run(rasa_store.retrieve("ben")).events)  # nothing saved twice


def test_a_conversation_deleted_on_request_is_not_served_from_memory(stores, tracker_url):
    server, _, rasa_store = stores
    run(take_turn(server, "cat", user_turn("hi", "greet")))
    run(take_turn(server, "cat", user_turn("pain", "ask_topic")))
    assert "cat" in cached_conversations(server)
    assert ConversationStore(tracker_url).delete_for(["cat"]) > 0
    assert run(server.retrieve("cat")) is None
    assert "cat" not in cached_conversations(server)
    run(take_turn(server, "cat", user_turn("starting over", "greet")))
    tracker = assert_reads_alike(server, rasa_store, "cat")
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["starting over"]


def test_a_turn_that_was_never_saved_is_not_read_back(stores, tracker_url):
    server, _, rasa_store = stores
    run(take_turn(server, "dan", user_turn("hi", "greet")))
    run(take_turn(server, "dan", user_turn("pain", "ask_topic")))
    tracker = run(server.retrieve("dan"))
    for event in user_turn("lost", "greet"):  # the message failed before Rasa saved its tracker
        tracker.update(event)
    tracker = assert_reads_alike(server, rasa_store, "dan")
    assert tracker.latest_message.text == "pain"
    run(take_turn(server, "dan", user_turn("again", "greet")))
    tracker = assert_reads_alike(server, rasa_store, "dan")
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hi", "pain", "again"]
    assert len(ConversationStore(tracker_url).events_for(["dan"])) == len(tracker.events)  # nothing saved twice


def test_the_cache_keeps_the_conversations_used_last(domain, tracker_url, monkeypatch):
    monkeypatch.setenv("ASSISTANT_TRACKER_CACHE_CONVERSATIONS", "2")
    store = CachingSQLTrackerStore(domain, host=tracker_url)
    for sender in ("eve", "fay", "gus"):
        run(take_turn(store, sender, user_turn("hi", "greet")))
        run(store.retrieve(sender))
    run(store.retrieve("fay"))
    assert cached_conversations(store) == ["gus", "fay"]
    misses = store.misses
    assert run(store.retrieve("eve")).latest_message.text == "hi"  # read whole again
    assert store.misses == misses + 1
    store.engine.dispose()


def test_a_size_of_zero_keeps_nothing_and_still_reads_right(domain, tracker_url, monkeypatch):
    monkeypatch.setenv("ASSISTANT_TRACKER_CACHE_CONVERSATIONS", "0")
    store = CachingSQLTrackerStore(domain, host=tracker_url)
    rasa_store = SQLTrackerStore(domain, host=tracker_url)
    for text in ("hi", "pain", "nerves"):
        run(take_turn(store, "hal", user_turn(text, "greet")))
    assert cached_conversations(store) == []
    assert store.hits == 0
    assert_reads_alike(store, rasa_store, "hal")
    for made in (store, rasa_store):
        made.engine.dispose()


def test_full_history_is_rasas_own_read(stores):
    server, _, rasa_store = stores
    run(take_turn(server, "ivy", user_turn("hi", "greet")))
    run(take_turn(server, "ivy", new_session() + user_turn("back", "greet")))
    ours, rasas = run(server.retrieve_full_tracker("ivy")), run(rasa_store.retrieve_full_tracker("ivy"))
    assert state(ours) == state(rasas)
    assert [e.text for e in ours.events if isinstance(e, UserUttered)] == ["hi", "back"]


def test_a_deletion_during_a_message_keeps_the_deleted_turns_deleted(stores, tracker_url):
    server, _, rasa_store = stores
    run(take_turn(server, "jon", user_turn("hi", "greet")))
    run(take_turn(server, "jon", user_turn("my bladder", "report_symptom")))
    tracker = run(server.retrieve("jon"))  # the message has been read ...
    assert ConversationStore(tracker_url).delete_for(["jon"]) > 0  # ... when the patient's erasure runs
    turn = user_turn("still there?", "greet")
    for event in turn:
        tracker.update(event)
    run(server.save(tracker))
    assert stored_rows(server, "jon") == len(turn)  # only what came after the erasure
    tracker = assert_reads_alike(server, rasa_store, "jon")
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["still there?"]

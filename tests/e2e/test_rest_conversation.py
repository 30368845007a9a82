"""A patient talking to the real servers over the REST channel."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.db import session_scope
from assistant.knowledge.store import KnowledgeStore
from assistant.tables import AnswerText, Topic

pytestmark = pytest.mark.e2e


def texts(reply):
    return [m.get("text", "") for m in reply]


def joined(reply):
    """Rasa's channels send each paragraph as its own message; an answer is their join."""
    return "\n\n".join(texts(reply))


def published(url, slug, aspect):
    with session_scope(url) as session:
        return KnowledgeStore(session).published_answer(slug, aspect).body


def new_sender():
    return f"e2e-{uuid.uuid4().hex[:8]}"


def test_first_reply_introduces_the_assistant_then_answers(servers):
    status, reply = servers.send(new_sender(), "what is a nerve root block?")
    assert status == 200
    intro = texts(reply)[0]
    assert "not a diagnosis" in intro and "emergency" in intro
    assert joined(reply) == intro + "\n\n" + published(servers.db_url, "selective-nerve-root-block", "overview")


def test_follow_ups_answer_for_the_topic_of_the_conversation(servers):
    sender = new_sender()
    servers.send(sender, "tell me about spinal cord stimulation")
    _, risks = servers.send(sender, "what are the risks?")
    _, duration = servers.send(sender, "how long does it last?")
    assert joined(risks) == published(servers.db_url, "spinal-cord-stimulation", "risks")
    assert joined(duration) == published(servers.db_url, "spinal-cord-stimulation", "what-to-expect")


def test_options_come_with_a_button_per_therapy(servers):
    sender = new_sender()
    _, reply = servers.send(sender, "what are my treatment options")
    buttons = [b for m in reply for b in m.get("buttons", [])]
    assert len(buttons) == 11
    assert {"title": "Opioids", "payload": '/ask_what_is{"topic": "opioids"}'} in buttons
    _, picked = servers.send(sender, '/ask_what_is{"topic": "opioids"}')
    assert joined(picked) == published(servers.db_url, "opioids", "overview")


def test_a_published_edit_is_the_next_reply_without_restart(servers, tmp_path):
    sender = new_sender()
    servers.send(sender, "hello")
    new_text = f"Radiofrequency ablation, edited {uuid.uuid4().hex[:6]}. Ask your care team."
    path = tmp_path / "rfa.md"
    path.write_text(new_text, encoding="utf-8")
    subprocess.run([str(Path(sys.executable).parent / "assistant"), "content", "publish", "radiofrequency-ablation",
                    "overview", str(path), "--author", "e2e-editor"],
                   env=dict(os.environ, ASSISTANT_DATABASE_URL=servers.db_url), check=True, capture_output=True)
    _, reply = servers.send(sender, "what is radiofrequency ablation")
    assert joined(reply) == new_text


def _store_counts(url):
    with session_scope(url) as session:
        return tuple(session.execute(select(func.count()).select_from(t)).scalar_one() for t in (Topic, AnswerText))


@pytest.mark.parametrize("message", [
    "",
    "   ",
    "x" * 10_000,
    "what is scs " * 900,
    "🙂😀👍",
    "<script>alert('x')</script><b>bold</b>",
    "'; DROP TABLE topic; -- what is an MRI",
    "\u202e\u200b\u0000 nul and bidi",
    "ÇéÑ ümlaut ßpinal ßtenosis",
])
def test_odd_input_gets_a_sensible_reply_and_changes_nothing(servers, message):
    before = _store_counts(servers.db_url)
    status, reply = servers.send(new_sender(), message)
    assert status == 200
    assert reply and all(m.get("text") for m in reply)
    assert not any("<script" in m["text"] for m in reply)
    assert _store_counts(servers.db_url) == before
    assert servers.send(new_sender(), "hi")[0] == 200  # and the server is still up


@pytest.mark.parametrize("raw, content_type, expected", [
    (b"{not json", "application/json", 400),
    (b"\x00\xff\xfe binary", "application/octet-stream", 415),
    (b'{"sender": "e2e-no-message"}', "application/json", 400),
    (b'{"message": "hi"}', "application/json", 400),
    (b'["sender", "message"]', "application/json", 400),
    (b'{"sender": "e2e-number", "message": 42}', "application/json", 400),
    (json.dumps({"sender": "s" * 10_000, "message": "hi"}).encode(), "application/json", 400),
    (b'{"sender": "e2e-\\u0000nul", "message": "hi"}', "application/json", 400),
    (b'{"sender": "e2e-form", "message": "hi"}', "application/x-www-form-urlencoded", 415),
])
def test_malformed_requests_are_refused_with_a_json_error_and_the_server_stays_up(servers, raw, content_type,
                                                                                   expected):
    status, body = servers.send("", None, raw=raw, content_type=content_type)
    assert status == expected
    assert json.loads(body)["error"]
    assert servers.send(new_sender(), "hi")[0] == 200


def test_conversation_survives_a_server_restart(servers):
    sender = new_sender()
    servers.send(sender, "what is dorsal root ganglion stimulation")
    servers.stop_rasa()
    servers.start_rasa()
    _, reply = servers.send(sender, "what are the risks?")
    assert joined(reply) == published(servers.db_url, "dorsal-root-ganglion-stimulation", "risks")

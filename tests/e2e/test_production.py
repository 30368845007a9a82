"""The production profile, started as `make run PROFILE=production` starts it: PostgreSQL, Redis,
two Rasa servers, two action servers, the portal and nginx in front, on 127.0.0.1, on throw-away
databases; then faults: an action server killed, PostgreSQL restarted, a Rasa server killed mid-load."""
from __future__ import annotations

import asyncio
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.conversations import ConversationStore
from assistant.db import session_scope
from assistant.diary.service import entries_for
from assistant.knowledge.store import KnowledgeStore
from assistant.scratch_databases import scratch_postgres
from assistant.services import free_port_block
from assistant.stack import running_stack
from tests.e2e.conftest import post as post_message

pytestmark = pytest.mark.e2e

DIARY_ANSWERS = ["6", "3", "as usual", "none", "no", "no", "no", "gabapentin", "none", "slept well", "nothing"]


def post(url: str, sender: str, message: str, timeout: float = 60):
    """The shared POST, with a refused or timed-out connection as status None (servers are killed here)."""
    try:
        return post_message(url, sender, message, timeout=timeout)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return None, str(error)


def joined(reply) -> str:
    return "\n\n".join(m.get("text", "") for m in reply)


def published(url: str, slug: str, aspect: str) -> str:
    with session_scope(url) as session:
        return KnowledgeStore(session).published_answer(slug, aspect).body


def new_sender() -> str:
    return f"e2e-prod-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    work = tmp_path_factory.mktemp("production")
    with scratch_postgres("e2e_prod") as (database_url, tracker_url):
        overrides = {
            "ASSISTANT_DATABASE_URL": database_url,
            "RASA_TRACKER_STORE_URL": tracker_url,
            "ASSISTANT_RASA_PORT": str(free_port_block(2)),
            "ASSISTANT_ACTION_PORT": str(free_port_block(2)),
            "ASSISTANT_PORTAL_PORT": str(free_port_block(1)),
            "ASSISTANT_PROXY_PORT": str(free_port_block(1)),
            "ASSISTANT_ACTION_PROXY_PORT": str(free_port_block(1)),
            "ASSISTANT_NGINX_DIR": str(work / "nginx"),
            "ASSISTANT_SECRET_KEY": "e2e-production",
        }
        with running_stack("production", overrides, log_dir=work / "log") as stack:
            yield stack


def test_every_process_of_the_profile_runs_on_postgresql_and_redis(production):
    assert sorted(s.name for s in production.services) == [
        "actions-1", "actions-2", "nginx", "portal", "rasa-1", "rasa-2"]
    assert production.database_url.startswith("postgresql")
    assert production.tracker_url.startswith("postgresql")
    assert production.env["RASA_LOCK_STORE_TYPE"].endswith("AtomicRedisLockStore")
    assert production.rest_url.startswith(production.public_url)


def test_a_conversation_through_nginx_is_shared_by_both_rasa_servers(production):
    sender = new_sender()
    status, reply = post(production.rest_url, sender, "what is dorsal root ganglion stimulation")
    assert status == 200 and reply
    for _ in range(3):  # least_conn spreads one patient's messages over both servers
        status, reply = post(production.rest_url, sender, "what are the risks?")
        assert status == 200
        assert joined(reply) == published(production.database_url, "dorsal-root-ganglion-stimulation", "risks")
    time.sleep(1.5)  # nginx flushes its access log every second
    access = (Path(production.env["ASSISTANT_NGINX_DIR"]) / "access.log").read_text()
    served_by = set(re.findall(r'"POST /webhooks/rest/webhook" 200 \d+ \S+ 127\.0\.0\.1:(\d+)', access))
    rasa_port = int(production.env["ASSISTANT_RASA_PORT"])
    assert served_by == {str(rasa_port), str(rasa_port + 1)}
    assert "?" not in access and "127.0.0.1 [" not in access  # no query strings, no client addresses


def test_a_diary_entry_is_saved_in_postgresql(production):
    sender = new_sender()
    post(production.rest_url, sender, "I want to log my symptoms")
    for answer in DIARY_ANSWERS:
        status, reply = post(production.rest_url, sender, answer)
        assert status == 200
    status, reply = post(production.rest_url, sender, "save")
    assert "Saved" in joined(reply)
    with session_scope(production.database_url) as session:
        (entry,) = entries_for(session, sender)
        assert entry.leg_pain == 6 and entry.back_pain == 3


def test_the_portal_and_the_patient_page_are_served_through_nginx(production):
    with urllib.request.urlopen(f"{production.public_url}/staff/login", timeout=30) as response:
        assert response.status == 200
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    with urllib.request.urlopen(f"{production.public_url}/", timeout=30) as response:
        page = response.read().decode("utf-8")
        csp = response.headers["Content-Security-Policy"]
    assert production.public_url in page  # the widget talks to nginx, which balances socket.io
    assert production.public_url in csp


def test_the_chat_widget_protocol_socketio_works_through_nginx(production):
    import socketio

    async def chat() -> list:
        client = socketio.AsyncClient(reconnection=False)
        replies: list = []
        answered = asyncio.Event()
        session = uuid.uuid4().hex

        @client.on("bot_uttered")
        async def on_bot(data):
            replies.append(data)
            answered.set()

        await client.connect(production.public_url, socketio_path="/socket.io", transports=["polling", "websocket"])
        try:
            await client.emit("session_request", {"session_id": session})
            await client.emit("user_uttered", {"message": "what is spinal cord stimulation?", "session_id": session})
            await asyncio.wait_for(answered.wait(), 60)
            await asyncio.sleep(1.0)  # the rest of the answer's paragraphs
        finally:
            await client.disconnect()
        return replies

    replies = asyncio.run(chat())
    assert any("stimulation" in (r.get("text") or "").lower() for r in replies)


def test_two_messages_at_once_from_one_patient_are_handled_one_after_the_other(production):
    """Redis holds the conversation's lock: the two servers never interleave one patient's turns."""
    sender = new_sender()
    post(production.rest_url, sender, "hello")
    results = []
    threads = [threading.Thread(target=lambda m=m: results.append(post(production.rest_url, sender, m)))
               for m in ("what is spinal cord stimulation?", "what is an epidural steroid injection?")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in results] == [200, 200]
    events = ConversationStore(production.tracker_url).events_for([sender])
    kinds = [e["type_name"] for e in events if e["type_name"] in ("user", "action")]
    # each user message is followed by its own actions ending in action_listen before the next one
    turns = "".join("U" if k == "user" else "a" for k in kinds)
    assert turns.count("U") == 3
    listens = [e for e in events if e["type_name"] == "action" and e["action_name"] == "action_listen"]
    users = [e for e in events if e["type_name"] == "user"]
    for before, after in zip(users, users[1:]):
        assert any(before["id"] < listen["id"] < after["id"] for listen in listens)


def test_one_action_server_killed_is_invisible_to_patients(production):
    production.kill("actions-1")
    try:
        sender = new_sender()
        status, reply = post(production.rest_url, sender, "I want to log my symptoms")
        assert status == 200 and "leg (or arm)" in joined(reply)
        for answer in DIARY_ANSWERS:
            status, reply = post(production.rest_url, sender, answer)
            assert status == 200 and reply
        status, reply = post(production.rest_url, sender, "save")
        assert "Saved" in joined(reply)
    finally:
        production.restart("actions-1")
    with session_scope(production.database_url) as session:
        assert len(entries_for(session, sender)) == 1


def _postgres(command: str) -> None:
    subprocess.run([str(PROJECT_ROOT / "scripts" / "postgres"), command], check=True, capture_output=True)


def test_postgresql_restarted_requests_fail_cleanly_then_recover_without_restarting_ours(production):
    sender, diarist = new_sender(), new_sender()
    assert post(production.rest_url, sender, "what is spinal cord stimulation?")[0] == 200
    post(production.rest_url, diarist, "I want to log my symptoms")
    for answer in DIARY_ANSWERS[:5]:
        assert post(production.rest_url, diarist, answer)[0] == 200
    _postgres("stop")
    try:
        status, reply = post(production.rest_url, sender, "what are the risks?", timeout=90)
        assert status is not None and status < 500 or status in (502, 503)  # an answer, never a hang
        with urllib.request.urlopen(f"{production.public_url}/healthz", timeout=30) as response:
            assert response.status == 200  # the portal process itself stays up
    finally:
        _postgres("start")
    recovered = None
    for attempt in range(5):
        status, reply = post(production.rest_url, new_sender(), "what is spinal cord stimulation?")
        if status == 200 and reply and "stimulation" in joined(reply).lower():
            recovered = attempt
            break
        time.sleep(1)
    assert recovered is not None
    assert production.stopped_unexpectedly() is None
    status, reply = post(production.rest_url, sender, "what are the risks?")
    assert status == 200 and joined(reply) == published(production.database_url, "spinal-cord-stimulation", "risks")
    for answer in DIARY_ANSWERS[5:]:  # the diary goes on where it was before the restart
        assert post(production.rest_url, diarist, answer)[0] == 200
    assert "Saved" in joined(post(production.rest_url, diarist, "save")[1])
    with session_scope(production.database_url) as session:
        (entry,) = entries_for(session, diarist)
        assert entry.leg_pain == 6 and entry.back_pain == 3


def test_a_rasa_server_killed_mid_load_the_other_carries_on(production):
    """Runs last: it leaves one Rasa server down. A conversation whose lock the dead server held waits
    until the lock expires (TICKET_LOCK_LIFETIME, 15 s in this profile), then goes on."""
    senders = [new_sender() for _ in range(6)]
    for sender in senders:
        assert post(production.rest_url, sender, "what is radiofrequency ablation?")[0] == 200
    diarists = [new_sender() for _ in range(4)]  # each half-way through a diary entry when the server dies
    for diarist in diarists:
        post(production.rest_url, diarist, "I want to log my symptoms")
        for answer in DIARY_ANSWERS[:6]:
            assert post(production.rest_url, diarist, answer)[0] == 200
    outcomes = {sender: [] for sender in senders}
    killed_at = []
    stop_at = time.monotonic() + 25

    def patient(sender):
        while time.monotonic() < stop_at:
            started = time.monotonic()
            status, reply = post(production.rest_url, sender, "what are the risks?")
            outcomes[sender].append((started, time.monotonic(), status, reply))

    threads = [threading.Thread(target=patient, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    time.sleep(5)
    killed_at.append(time.monotonic())
    production.kill("rasa-1")
    for thread in threads:
        thread.join()
    risks = published(production.database_url, "radiofrequency-ablation", "risks")
    after = [o for results in outcomes.values() for o in results if o[0] > killed_at[0]]
    in_flight = [o for results in outcomes.values() for o in results if o[0] <= killed_at[0] <= o[1]]
    assert len(after) >= 6
    wrong = [(status, reply if status != 200 else joined(reply)[:200]) for _, _, status, reply in after
             if status != 200 or joined(reply) != risks]
    assert not wrong
    lock_lifetime = float(production.env["TICKET_LOCK_LIFETIME"])
    assert max(end - start for start, end, _, _ in after) < lock_lifetime + 10
    assert len([o for o in in_flight if o[2] != 200]) <= len(senders)  # at most the requests it was handling
    assert production.stopped_unexpectedly() is None
    for diarist in diarists:  # their entries go on from the tracker store, and are saved once
        for answer in DIARY_ANSWERS[6:]:
            assert post(production.rest_url, diarist, answer)[0] == 200
        assert "Saved" in joined(post(production.rest_url, diarist, "save")[1])
    with session_scope(production.database_url) as session:
        for diarist in diarists:
            (entry,) = entries_for(session, diarist)
            assert (entry.leg_pain, entry.back_pain) == (6, 3)

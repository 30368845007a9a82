"""The action server dies while patients talk: the channel (assistant/channels.py) answers every message
with a polite "try again", or with the red-flag advice when the message has one, nothing is half-saved,
and once the action server is back the conversation goes on where it was.

Runs its own action and Rasa servers (module scope), so that killing the action server never touches
the servers the other end-to-end tests share."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import yaml
from sqlalchemy import func, select

from assistant.channels import channel_words, source_key
from assistant.config import PROJECT_ROOT
from assistant.conversations import ConversationStore
from assistant.db import session_scope
from assistant.diary.service import entries_for
from assistant.safety.flags import list_flags
from assistant.safety.scanner import scanner_for
from assistant.services import free_port
from assistant.stack import Stack, running_stack
from assistant.tables import DiaryEntry, Flag, PatientSender
from tests.e2e.conftest import post
from tests.e2e.test_rest_diary import ANSWERS

pytestmark = pytest.mark.e2e


@dataclass
class OwnStack:
    """The embedded profile (action server, Rasa server, portal) that only this module uses, so it may kill
    the action server."""
    stack: Stack

    @property
    def db_url(self) -> str:
        return self.stack.database_url

    @property
    def env(self):
        return self.stack.env

    def send(self, sender: str, message):
        return post(self.stack.rest_url, sender, message)

    def kill_actions(self) -> None:
        self.stack.kill("actions")  # SIGKILL: no shutdown, no goodbye

    def start_actions(self) -> None:
        self.stack.restart("actions")


@pytest.fixture(scope="module")
def own(_seeded_template, tmp_path_factory):
    work = tmp_path_factory.mktemp("fault")
    db = work / "assistant.db"
    db.write_bytes(_seeded_template.read_bytes())
    overrides = {"ASSISTANT_DATABASE_URL": f"sqlite:///{db}", "RASA_TRACKER_STORE_URL": f"sqlite:///{work / 'tracker.db'}",
                 "ASSISTANT_ACTION_PORT": str(free_port()), "ASSISTANT_RASA_PORT": str(free_port()),
                 "ASSISTANT_PORTAL_PORT": str(free_port()), "ASSISTANT_SECRET_KEY": "e2e-fault",
                 "ASSISTANT_ALERT_WEBHOOK_URL": ""}
    with running_stack("embedded", overrides, log_dir=work) as stack:
        yield OwnStack(stack)


@contextmanager
def actions_down(own: OwnStack):
    own.kill_actions()
    try:
        yield
    finally:
        own.start_actions()


def texts(reply):
    return [m.get("text", "") for m in reply]


def joined(reply):
    return "\n\n".join(texts(reply))


def new_sender():
    return f"e2e-fault-{uuid.uuid4().hex[:8]}"


def emergency_advice() -> str:
    """The text of the advice response the rule file names for emergencies, as domain.yml has it."""
    name = scanner_for().rules.advice_responses["emergency"]
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"][name][0]["text"]


def counts(url, sender):
    with session_scope(url) as session:
        return (len(entries_for(session, sender)), session.execute(select(func.count()).select_from(DiaryEntry))
                .scalar_one(), len(list_flags(session, patient=sender)))


def said(own, sender):
    return [(m.speaker, m.text) for m in ConversationStore(own.env["RASA_TRACKER_STORE_URL"]).messages([sender])]


def test_the_diary_survives_the_action_server_dying_twice_and_is_saved_once(own):
    try_again = channel_words()["try_again"]
    sender = new_sender()
    _, reply = own.send(sender, "I want to log my symptoms")
    assert "leg (or arm)" in joined(reply)
    for answer in ANSWERS[:3]:
        own.send(sender, answer)
    entries_before = counts(own.db_url, sender)[1]

    with actions_down(own):
        status, reply = own.send(sender, ANSWERS[3])  # weakness: the validation action cannot run
        assert status == 200 and texts(reply) == [try_again]
        assert counts(own.db_url, sender) == (0, entries_before, 0)
    assert said(own, sender)[-2:] == [("patient", ANSWERS[3]), ("bot", try_again)]  # the nurse sees it too

    _, reply = own.send(sender, ANSWERS[3])  # the patient tries again: the diary goes on where it was
    assert "bladder" in joined(reply).lower() and try_again not in texts(reply)
    for answer in ANSWERS[4:]:
        _, reply = own.send(sender, answer)
    assert "leg pain 7/10, back pain 4/10" in joined(reply)

    with actions_down(own):
        status, reply = own.send(sender, "save")
        assert status == 200 and texts(reply) == [try_again]
        assert counts(own.db_url, sender) == (0, entries_before, 0)

    _, reply = own.send(sender, "save")
    assert "Saved" in joined(reply)
    with session_scope(own.db_url) as session:
        (entry,) = entries_for(session, sender)
        assert (entry.leg_pain, entry.back_pain, entry.numbness, entry.sleep, entry.medicines) == (
            7, 4, "as_usual", "woken_by_pain", "gabapentin and paracetamol")
    own.send(sender, "save")
    assert counts(own.db_url, sender) == (1, entries_before + 1, 0)


def test_an_emergency_while_the_action_server_is_down_gets_the_advice_and_is_flagged_once(own):
    sender = new_sender()
    message = "I wet myself this morning and didn't feel it"
    with actions_down(own):
        status, reply = own.send(sender, message)  # a first message: even the session start fails
        assert status == 200
        assert texts(reply)[-1] == emergency_advice() and channel_words()["try_again"] not in texts(reply)
        with session_scope(own.db_url) as session:
            (flag,) = session.execute(select(Flag).join(PatientSender, PatientSender.patient_id == Flag.patient_id)
                                      .where(PatientSender.sender_id == sender)).scalars()
            assert (flag.level, flag.rule_id, flag.status) == ("emergency", "CE-BLADDER", "open")
            assert flag.evidence == message
            user_turn = [m for m in ConversationStore(own.env["RASA_TRACKER_STORE_URL"]).messages([sender])
                         if m.speaker == "patient"][-1]
            assert flag.source_key == source_key(user_turn.message_id)  # the key the safety action uses
        assert ("bot", emergency_advice()) in said(own, sender)
    _, reply = own.send(sender, "what is an MRI")
    assert "MRI" in joined(reply) and channel_words()["try_again"] not in texts(reply)
    assert len(list_flags_for(own, sender)) == 1


def test_an_urgent_flag_while_down_gets_the_urgent_advice_and_a_question_gets_try_again(own):
    urgent = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"][
        scanner_for().rules.advice_responses["urgent"]][0]["text"]
    sender = new_sender()
    own.send(sender, "hello")
    with actions_down(own):
        _, reply = own.send(sender, "the battery site of my stimulator is red and hot")
        # Rasa's own fallback may come first ("Sorry, I couldn't follow that"): the advice is what counts.
        assert texts(reply)[-1] == urgent and channel_words()["try_again"] not in texts(reply)
        _, reply = own.send(sender, "what is a nerve root block?")
        assert texts(reply) == [channel_words()["try_again"]]
    assert [f.level for f in list_flags_for(own, sender)] == ["urgent"]


def list_flags_for(own, sender):
    with session_scope(own.db_url) as session:
        return list_flags(session, patient=sender)

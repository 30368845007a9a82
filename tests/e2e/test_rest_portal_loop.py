"""The patient's side of the staff portal through the real servers: link the chat with a code, ask for a
nurse, and hear once, at the start of the next conversation, that a nurse reviewed it."""
from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from assistant.db import session_scope
from assistant.patients.callbacks import source_key
from assistant.patients.identity import enrol, issue_code
from assistant.patients.updates import date_in_words
from assistant.tables import Flag, PatientSender, utcnow

pytestmark = pytest.mark.e2e

REVIEWED = "A nurse reviewed"


def joined(reply):
    return "\n\n".join(m.get("text", "") for m in reply)


def enrolled_with_code(db_url):
    clinic_number = f"E2E-{uuid.uuid4().hex[:8]}"
    with session_scope(db_url) as session:
        patient = enrol(session, full_name="Sam Okafor", date_of_birth=date(1968, 5, 4), clinic_number=clinic_number,
                        phone="07700 900456", enrolled_by="nurse1")
        return patient.id, issue_code(session, patient, created_by="nurse1").code


def test_code_then_callback_then_the_review_is_told_once_at_the_next_session(servers):
    patient_id, code = enrolled_with_code(servers.db_url)
    sender = f"e2e-portal-{uuid.uuid4().hex[:8]}"

    status, reply = servers.send(sender, code)
    text = joined(reply)
    assert status == 200
    assert text.startswith("Hello, I'm an automated assistant")
    assert "Thanks, Sam. This chat is now linked to your clinic record, so your care team can see your diary." in text
    assert code not in json.dumps(reply) and code.replace("-", "") not in json.dumps(reply).upper()
    assert "Okafor" not in text
    with session_scope(servers.db_url) as session:
        link = session.execute(select(PatientSender).where(PatientSender.sender_id == sender)).scalar_one()
        assert (link.patient_id, link.method) == (patient_id, "code")

    _, reply = servers.send(sender, "I want to talk to a nurse")
    text = joined(reply)
    assert "a nurse to call you back" in text and "emergency department now" in text
    with session_scope(servers.db_url) as session:
        (flag,) = session.execute(select(Flag).where(Flag.patient_id == patient_id)).scalars()
        assert (flag.level, flag.category, flag.rule_id, flag.status) == ("callback", "callback", "callback-request",
                                                                           "open")
        assert (flag.evidence, flag.source_key) == ("I want to talk to a nurse",
                                                    source_key(sender, "I want to talk to a nurse"))
        flag.status, flag.acknowledged_at, flag.acknowledged_by = "acknowledged", utcnow(), "nurse1"

    _, reply = servers.send(sender, "/session_start")
    text = joined(reply)
    assert text.startswith("Hello, I'm an automated assistant")
    assert text.count(REVIEWED) == 1
    assert f"A nurse reviewed your request for a call back from {date_in_words(utcnow().date())}." in text
    with session_scope(servers.db_url) as session:
        assert session.execute(select(Flag.patient_told_at).where(Flag.patient_id == patient_id)).scalar_one()

    _, reply = servers.send(sender, "/session_start")
    assert joined(reply).startswith("Hello, I'm an automated assistant") and REVIEWED not in joined(reply)

    _, reply = servers.send(sender, "has anyone seen my diary?")
    assert joined(reply) == (f"A nurse reviewed it on {date_in_words(utcnow().date())}. "
                             "If anything has changed since, contact your care team.")


def test_an_unknown_code_changes_nothing_and_a_red_flag_with_a_code_gets_the_emergency_advice(servers):
    sender = f"e2e-portal-{uuid.uuid4().hex[:8]}"
    _, reply = servers.send(sender, "my code is ABCD-2345")
    text = joined(reply)
    assert "didn't recognise that code" in text and "ABCD" not in text
    with session_scope(servers.db_url) as session:
        assert session.execute(select(PatientSender).where(PatientSender.sender_id == sender)).first() is None

    _, reply = servers.send(sender, "my code is ABCD-2345 and I wet myself this morning and didn't feel it")
    assert joined(reply).startswith("This is an emergency.")


@pytest.mark.parametrize("message, expected", [
    ("can a nurse call me", "a nurse to call you back"),
    ("I need to speak to someone from the clinic", "a nurse to call you back"),
    ("request a callback", "a nurse to call you back"),
    ("has anyone seen my diary?", "nothing you have told me has been sent to a nurse for review yet"),
    ("did a nurse look at my message?", "nothing you have told me has been sent to a nurse for review yet"),
])
def test_the_ways_patients_ask_are_understood(servers, message, expected):
    _, reply = servers.send(f"e2e-portal-{uuid.uuid4().hex[:8]}", message)
    assert expected in joined(reply)


def test_asking_for_a_nurse_in_the_middle_of_the_diary_then_the_diary_goes_on(servers):
    sender = f"e2e-portal-{uuid.uuid4().hex[:8]}"
    servers.send(sender, "I want to log my symptoms")
    _, reply = servers.send(sender, "7")
    assert "back (or neck)" in joined(reply)
    _, reply = servers.send(sender, "can a nurse call me please")
    text = joined(reply)
    assert "a nurse to call you back" in text and text.endswith("And the pain in your back (or neck), from 0 to 10?")
    with session_scope(servers.db_url) as session:
        assert session.execute(select(Flag.rule_id).where(Flag.source_key == source_key(
            sender, "can a nurse call me please"))).scalar_one() == "callback-request"
    _, reply = servers.send(sender, "4")
    assert "numbness or tingling" in joined(reply)

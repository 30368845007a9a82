"""A request for a nurse to call: one flag in the queue per waiting request, with the patient's words."""
from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import func, select

from assistant.patients.callbacks import request_callback, source_key
from assistant.patients.identity import enrol, link_sender
from assistant.tables import AuditEvent, Flag


def count(session, model):
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_request_is_a_callback_flag_with_the_patients_words(session):
    request = request_callback(session, "chat-1", "can a nurse call me about my stimulator")
    flag = request.flag
    assert request.created and not request.reachable  # an anonymous chat has no number to call
    assert (flag.level, flag.category, flag.rule_id, flag.rule_version, flag.assertion, flag.status) == (
        "callback", "callback", "callback-request", 1, "affirmed", "open")
    assert flag.evidence == "can a nurse call me about my stimulator"
    digest = hashlib.sha256(b"chat-1|can a nurse call me about my stimulator").hexdigest()
    assert flag.source_key == f"callback:{digest}" == source_key("chat-1", "can a nurse call me about my stimulator")
    (event,) = session.execute(select(AuditEvent)).scalars()
    assert (event.actor, event.action, event.target_id, event.patient_id) == (
        "chat", "flag.callback_request", str(flag.id), flag.patient_id)
    assert "stimulator" not in event.detail


def test_the_same_request_again_while_it_waits_adds_nothing(session):
    first = request_callback(session, "chat-1", "I want to talk to a nurse")
    again = request_callback(session, "chat-1", "I want to talk to a nurse")
    assert not again.created and again.flag.id == first.flag.id
    first.flag.status = "acknowledged"
    assert not request_callback(session, "chat-1", "I want to talk to a nurse").created
    assert count(session, Flag) == 1


def test_asking_again_after_a_resolved_request_is_a_new_request(session):
    first = request_callback(session, "chat-1", "I want to talk to a nurse")
    first.flag.status = "resolved"
    second = request_callback(session, "chat-1", "I want to talk to a nurse")
    assert second.created and second.flag.id != first.flag.id and second.flag.status == "open"
    second.flag.status = "resolved"
    assert request_callback(session, "chat-1", "I want to talk to a nurse").created
    assert count(session, Flag) == 3


def test_an_enrolled_patient_with_a_phone_is_reachable(session):
    patient = enrol(session, full_name="Sam Patel", date_of_birth=date(1970, 1, 2), clinic_number="C-1",
                    phone="07700 900123", enrolled_by="nurse1")
    link_sender(session, "chat-2", patient, method="code", linked_by=None)
    request = request_callback(session, "chat-2", "please ring me")
    assert request.reachable and request.flag.patient_id == patient.id


def test_huge_or_odd_text_is_kept_as_words_within_a_limit(session):
    text = "<script>alert(1)</script> '; DROP TABLE flag; -- " + "é\u202e" * 5000
    flag = request_callback(session, "chat-3", text).flag
    assert flag.evidence.startswith("<script>alert(1)</script> '; DROP TABLE flag;") and len(flag.evidence) == 2000
    assert count(session, Flag) == 1

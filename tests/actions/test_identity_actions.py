"""Linking a chat with an enrolment code, through rasa-sdk on a real database: first name only, the code
never echoed, an unknown or revoked code changes nothing."""
from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timezone

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.identity import ActionLinkCode
from assistant.db import session_scope
from assistant.patients.identity import enrol, issue_code, link_sender, revoke_code
from assistant.safety.flags import record_flags
from assistant.safety.scanner import Finding
from assistant.tables import AuditEvent, EnrolmentCode, Patient, PatientSender
from tests.conftest import make_tracker


def run(tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionLinkCode().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def code_tracker(text, code, sender="chat-1"):
    entity = {"entity": "enrolment_code", "value": code, "extractor": "EnrolmentCodeGuard"}
    return make_tracker(text, "give_code", [entity] if code else [], sender_id=sender)


def enrolled(db_url, clinic_number="C-1", full_name="Sam Patel"):
    with session_scope(db_url) as session:
        patient = enrol(session, full_name=full_name, date_of_birth=date(1970, 1, 2), clinic_number=clinic_number,
                        phone="07700 900123", enrolled_by="nurse1")
        issued = issue_code(session, patient, created_by="nurse1")
        return patient.id, issued.code, issued.record.id


def senders(db_url):
    with session_scope(db_url) as session:
        return dict(session.execute(select(PatientSender.sender_id, PatientSender.patient_id)).all())


def test_a_code_links_the_chat_and_greets_by_first_name_only(db_url):
    patient_id, code, _ = enrolled(db_url)
    typed = f"my code is {code.lower().replace('-', ' ')}"
    messages, events = run(code_tracker(typed, code))
    assert [(m["response"], m.get("first_name")) for m in messages] == [("utter_code_linked", "Sam"), (None, None)]
    assert messages[1]["custom"] == {"data": {"patient": {"first_name": "Sam"}}}  # the page's "Diary kept for"
    assert events == []
    assert not any(code in json.dumps(m) or "Patel" in json.dumps(m) for m in messages)
    assert senders(db_url)["chat-1"] == patient_id
    with session_scope(db_url) as session:
        (event,) = session.execute(select(AuditEvent).where(AuditEvent.action == "patient.link_code")).scalars()
        assert (event.actor, event.patient_id, json.loads(event.detail)) == ("chat", patient_id, {"method": "code"})
        assert code not in event.detail


def test_the_code_is_read_from_the_text_when_no_entity_came_with_it(db_url):
    patient_id, code, _ = enrolled(db_url)
    messages, _ = run(code_tracker(code, None))
    assert messages[0]["response"] == "utter_code_linked" and senders(db_url)["chat-1"] == patient_id


def test_an_unknown_code_changes_nothing(db_url):
    enrolled(db_url)
    messages, _ = run(code_tracker("ABCD-2345", "ABCD-2345"))
    assert [m["response"] for m in messages] == ["utter_code_not_recognised"]
    assert "chat-1" not in senders(db_url)
    with session_scope(db_url) as session:
        assert session.execute(select(func.count()).select_from(Patient)).scalar_one() == 1
        assert session.execute(select(EnrolmentCode.last_used_at)).scalar_one() is None


def test_a_revoked_code_is_not_recognised(db_url):
    _, code, code_id = enrolled(db_url)
    with session_scope(db_url) as session:
        revoke_code(session, code_id, revoked_by="nurse1")
    messages, _ = run(code_tracker(code, code))
    assert [m["response"] for m in messages] == ["utter_code_not_recognised"] and "chat-1" not in senders(db_url)


def test_a_chat_of_another_enrolled_patient_is_not_moved(db_url):
    first_id, _, _ = enrolled(db_url)
    _, other_code, _ = enrolled(db_url, "C-2", "Ann Lee")
    with session_scope(db_url) as session:
        link_sender(session, "chat-1", session.get(Patient, first_id), method="nurse", linked_by="nurse1")
    messages, _ = run(code_tracker(other_code, other_code))
    assert [m["response"] for m in messages] == ["utter_code_other_record"]
    assert senders(db_url)["chat-1"] == first_id
    with session_scope(db_url) as session:
        assert session.execute(select(func.count()).where(EnrolmentCode.last_used_at.is_not(None))).scalar_one() == 0


def test_a_returning_patient_hears_about_reviews_after_linking(db_url):
    patient_id, code, _ = enrolled(db_url)
    with session_scope(db_url) as session:
        link_sender(session, "old-chat", session.get(Patient, patient_id), method="code", linked_by=None)
        (flag,) = record_flags(session, "old-chat", "message:m1",
                               [Finding("RV-X", 1, "review", "test", "Test", "words", "affirmed")])
        flag.created_at = datetime(2026, 11, 17, 10, tzinfo=timezone.utc)
        flag.status, flag.acknowledged_at, flag.acknowledged_by = "acknowledged", datetime.now(timezone.utc), "nurse1"
    messages, _ = run(code_tracker(code, code, sender="new-chat"))
    assert [m["response"] for m in messages] == ["utter_code_linked", None, "utter_review_update_message"]
    assert messages[2]["date"].startswith("Tuesday 17 November")
    messages, _ = run(code_tracker(code, code, sender="new-chat"))  # the same code again: linked, told once
    assert [m["response"] for m in messages] == ["utter_code_linked", None]


def test_a_record_without_a_first_name_is_thanked_without_one(db_url):
    patient_id, code, _ = enrolled(db_url)
    with session_scope(db_url) as session:
        session.get(Patient, patient_id).first_name = "  "
    messages, _ = run(code_tracker(code, code))
    assert [(m["response"], m.get("first_name")) for m in messages] == [("utter_code_linked_no_name", None)]

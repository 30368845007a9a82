"""Admin pages: accounts, the audit log, and a patient's export and deletion (tracker rows too)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import DatabaseError

from assistant.conversations import EVENTS
from assistant.db import get_engine, session_scope
from assistant.diary.service import DiaryAnswers, save_entry
from assistant.patients.identity import enrol, link_sender
from assistant.staff import audit
from tests.patients import tracker_db
from assistant.tables import AuditEvent, DiaryEntry, Flag, Patient, PatientSender, StaffUser

@pytest.fixture
def patient_with_data(app, seeded_db_url):
    """An enrolled patient with a diary entry that raised a flag, and a stored conversation."""
    with session_scope(seeded_db_url) as session:
        patient = enrol(session, full_name="Alex Private", date_of_birth=date(1960, 5, 6), clinic_number="PR-9",
                        phone="0123", enrolled_by="nina")
        link_sender(session, "privacy-sender", patient, method="nurse", linked_by="nina")
        save_entry(session, "privacy-sender", DiaryAnswers(leg_pain=5, back_pain=2, bladder_bowel="yes", saddle="no",
                                                           fever="no", numbness="none", weakness="none"))
        patient_id = patient.id
    tracker_db.store(app.config["TRACKER_STORE_URL"], "privacy-sender", [("user", "I cannot control my bladder")])
    tracker_db.store(app.config["TRACKER_STORE_URL"], "someone-else", [("user", "hello", "greet")])
    return patient_id


def tracker_senders(app):
    """Each stored event's sender id."""
    with get_engine(app.config["TRACKER_STORE_URL"]).connect() as connection:
        return sorted(connection.execute(select(EVENTS.c.sender_id)).scalars())


def test_admin_creates_and_disables_an_account(login, seeded_db_url):
    admin = login("admin")
    response = admin.post("/staff/admin/users", {"username": "newnurse", "display_name": "New Nurse",
                                                 "role": "nurse", "password": "a long enough pass"})
    assert response.status_code == 302
    assert "newnurse" in admin.get("/staff/admin/users").get_data(as_text=True)
    assert admin.post("/staff/admin/users/newnurse/disable").status_code == 302
    with session_scope(seeded_db_url) as session:
        user = session.execute(select(StaffUser).where(StaffUser.username == "newnurse")).scalar_one()
        assert not user.active
        actions = list(session.execute(select(AuditEvent.action).where(AuditEvent.target_id == str(user.id))
                                       .order_by(AuditEvent.id)).scalars())
    assert actions == ["user.create", "user.disable"]


def test_weak_password_and_bad_role_are_refused(login):
    admin = login("admin")
    response = admin.post("/staff/admin/users", {"username": "x1", "role": "nurse", "password": "short"})
    assert response.status_code == 400 and "at least 12" in response.get_data(as_text=True)
    response = admin.post("/staff/admin/users", {"username": "x2", "role": "root", "password": "a long enough pass"})
    assert response.status_code == 400 and "role must be" in response.get_data(as_text=True)


def test_admin_cannot_disable_themself(login, staff):
    admin = login("admin")
    admin.post(f"/staff/admin/users/{staff['admin']}/disable")
    assert admin.get("/staff/admin/users").status_code == 200


def test_audit_log_filters_and_escapes(login, seeded_db_url):
    with session_scope(seeded_db_url) as session:
        audit.record(session, "<script>x</script>", "flag.acknowledge", "flag", 7, patient_id=42, note_id=3)
        audit.record(session, "nina", "patient.view", "patient", 43, patient_id=43)
    page = login("admin").get("/staff/admin/audit?patient=42").get_data(as_text=True)
    assert "flag.acknowledge" in page and "patient.view" not in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    admin = login("admin")
    for odd in ("\u00b2", "9" * 30, "42abc"):  # not a patient number: the filter is left out, never a server error
        for query in ({"patient": odd}, {"page": odd}):
            response = admin.get("/staff/admin/audit", query_string=query)
            assert response.status_code == 200, query
            assert "patient.view" in response.get_data(as_text=True)


def test_audit_log_is_append_only_in_the_database(seeded_db_url):
    with session_scope(seeded_db_url) as session:
        audit.record(session, "nina", "patient.view", "patient", 1, patient_id=1)
    for statement in ("UPDATE audit_event SET actor = 'someone'", "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError, match="append-only"):
            with get_engine(seeded_db_url).begin() as connection:
                connection.execute(sa.text(statement))


def test_export_has_everything_and_is_audited(login, patient_with_data, seeded_db_url):
    response = login("admin").get(f"/staff/admin/patients/{patient_with_data}/export.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["patient"]["clinic_number"] == "PR-9" and data["conversation_ids"] == ["privacy-sender"]
    assert len(data["diary_entries"]) == 1 and data["diary_entries"][0]["bladder_bowel"] == "yes"
    assert data["flags"] and data["flags"][0]["level"] == "emergency"
    assert [e["text"] for e in data["conversation_events"] if e.get("text")] == ["I cannot control my bladder"]
    with session_scope(seeded_db_url) as session:
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "patient.export",
                                                        AuditEvent.patient_id == patient_with_data)).scalar_one()


def test_delete_needs_confirmation_then_removes_everything(app, login, patient_with_data, seeded_db_url):
    stored = tracker_senders(app).count("privacy-sender")
    assert stored >= 1
    admin = login("admin")
    admin.post(f"/staff/admin/patients/{patient_with_data}/delete", {"confirm": "wrong"})
    with session_scope(seeded_db_url) as session:
        assert session.get(Patient, patient_with_data) is not None
    response = admin.post(f"/staff/admin/patients/{patient_with_data}/delete", {"confirm": "PR-9"})
    assert response.status_code == 302
    with session_scope(seeded_db_url) as session:
        assert session.get(Patient, patient_with_data) is None
        for table in (DiaryEntry, Flag, PatientSender):
            assert session.execute(select(table).where(table.patient_id == patient_with_data)).first() is None
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "patient.delete")).scalar_one()
        detail = audit.detail_of(event)
    assert detail["diary_entries"] == 1 and detail["flags"] >= 1 and detail["conversation_events"] == stored
    assert set(tracker_senders(app)) == {"someone-else"}


def test_nurse_and_editor_cannot_export(login, patient_with_data):
    for role in ("nurse", "editor"):
        assert login(role).get(f"/staff/admin/patients/{patient_with_data}/export.json").status_code == 403

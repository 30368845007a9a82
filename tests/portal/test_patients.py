"""The nurse's patient pages through the real app and database: list and search, enrolment and codes,
linking a conversation, the patient page (timeline, chart, flags in their conversation) and the
pre-visit summary; every view audited; nurses only."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from assistant.db import session_scope
from assistant.patients.identity import bind_by_code, find_patient, link_anonymous
from assistant.portal.patients import highlight
from assistant.tables import AuditEvent, DiaryEntry, EnrolmentCode, Flag, Patient
from tests.patients import factories as f
from tests.patients import tracker_db

SVG = "{http://www.w3.org/2000/svg}"
XSS = "<script>alert(1)</script>"
VALID = {"full_name": "Ann Example", "date_of_birth": "1970-01-02", "clinic_number": "C-100", "phone": "+44 1234 567"}


def audits(db_url, action):
    with session_scope(db_url) as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                    .order_by(AuditEvent.id)).scalars())


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """These tests are about patient pages, not passwords: argon2 with minimal cost keeps the four staff
    accounts and each log-in from costing two seconds per test (test_auth.py covers the real settings)."""
    from argon2 import PasswordHasher
    monkeypatch.setattr("assistant.staff.accounts._hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                                           parallelism=1))


@pytest.fixture
def nurse(login):
    return login("nurse")


@pytest.fixture
def ann(app, seeded_db_url):
    """An enrolled patient with a chat (containing a script tag), a diary, a treatment and two flags."""
    url = app.config["TRACKER_STORE_URL"]
    tracker_db.store(url, "ann-chat", [
        ("bot", "Hello."), ("user", "hi", "greet", "g1"), ("bot", "How can I help?"),
        ("user", f"{XSS} my leg is numb and I cannot control my bladder", "report", "m-1"),
        ("bot", "Please call emergency services now."),
        ("user", "what is a nerve root block?", "ask_what_is", "q-1"), ("bot", "It is an injection."),
    ])
    with session_scope(seeded_db_url) as session:
        patient = f.enrolled(session, "Ann Example", "C-100")
        link_anonymous(session, f.anonymous(session, "ann-chat").sender_id, patient, linked_by="nina")
        first = f.entry(session, patient.id, datetime.now(timezone.utc) - timedelta(days=6), 7, 3, numbness="worse",
                        sleep="woken_by_pain", medicines="pregabalin")
        f.entry(session, patient.id, first.recorded_at + timedelta(days=5), 4, 2, bladder_bowel="yes",
                notes=f"note {XSS}")
        f.treatment(session, patient.id, "selective-nerve-root-block", (first.recorded_at + timedelta(days=2)).date())
        chat_flag = f.flag(session, "ann-chat", "message:m-1", "cannot control my bladder")
        diary_flag = f.flag(session, "ann-chat", "diary:1", "bladder bowel: yes", rule_id="diary-rule")
        return {"id": patient.id, "chat_flag": chat_flag.id, "diary_flag": diary_flag.id}


# --- the list ------------------------------------------------------------------------------------
def test_list_shows_enrolled_and_anonymous_records_and_is_audited(nurse, ann, seeded_db_url):
    with session_scope(seeded_db_url) as session:
        f.enrolled(session, "Bob Other", "C-200")
        stranger = f.anonymous(session, "anon-9f8e7d6c5b")
        f.flag(session, stranger.sender_id, "message:s1", "fever", category="infection")
    page = text(nurse.get("/staff/patients/"))
    assert "Ann Example" in page and "C-100" in page and "1970-01-02" in page and "Bob Other" in page
    assert "anon-9f8" in page and f"/staff/patients/{ann['id']}" in page
    (event,) = audits(seeded_db_url, "patients.list")
    assert event.actor == "nina" and '"searched": false' in event.detail


def test_search_by_name_or_clinic_number_and_odd_input(nurse, ann, seeded_db_url):
    with session_scope(seeded_db_url) as session:
        f.enrolled(session, "Bob Other", "C-200")
    by_name = text(nurse.get("/staff/patients/?q=bob"))
    assert "Bob Other" in by_name and "Ann Example" not in by_name
    by_number = text(nurse.get("/staff/patients/?q=C-100"))
    assert "Ann Example" in by_number and "Bob Other" not in by_number
    hostile = nurse.get("/staff/patients/?q=" + XSS + "' OR 1=1--" + "x" * 3000)
    assert hostile.status_code == 200 and XSS not in text(hostile) and "&lt;script&gt;" in text(hostile)
    assert "No enrolled patient matches" in text(hostile)
    assert '"searched": true' in audits(seeded_db_url, "patients.list")[-1].detail
    assert "alert" not in audits(seeded_db_url, "patients.list")[-1].detail  # search words are not logged


def test_list_is_paginated(app, nurse, seeded_db_url, monkeypatch):
    monkeypatch.setattr("assistant.portal.patients.PAGE_SIZE", 2)
    with session_scope(seeded_db_url) as session:
        for n in range(5):
            f.enrolled(session, f"Person {n}", f"N-{n}")
    first, third = text(nurse.get("/staff/patients/")), text(nurse.get("/staff/patients/?page=3"))
    assert "Person 0" in first and "Person 2" not in first and "Page 1 of 3" in first
    assert 'href="/staff/patients/?page=2&amp;anon_page=1" rel="next"' in first
    assert "Person 4" in third and "Person 0" not in third


# --- enrolment and codes -------------------------------------------------------------------------
def test_enrolment_shows_the_code_and_link_once_and_is_audited(app, nurse, seeded_db_url):
    form = text(nurse.get("/staff/patients/enrol"))
    assert 'name="csrf_token"' in form and 'name="clinic_number"' in form
    response = nurse.post("/staff/patients/enrol", VALID)
    assert response.status_code == 200
    page = text(response)
    code = re.search(r'<code class="code">([A-Z2-9]{4}-[A-Z2-9]{4})</code>', page).group(1)
    assert f"{app.config['PUBLIC_URL'].rstrip('/')}/?code={code}" in page
    with session_scope(seeded_db_url) as session:
        patient = session.execute(select(Patient).where(Patient.clinic_number == "C-100")).scalar_one()
        assert (patient.full_name, patient.date_of_birth, patient.enrolled_by) == ("Ann Example", date(1970, 1, 2),
                                                                                   "nina")
        assert bind_by_code(session, "phone-chat", code).id == patient.id
        patient_id = patient.id
    assert code not in text(nurse.get(f"/staff/patients/{patient_id}"))  # shown once: only the hint stays
    assert [e.patient_id for e in audits(seeded_db_url, "patient.enrol")] == [patient_id]
    assert [e.patient_id for e in audits(seeded_db_url, "code.issue")] == [patient_id]


def test_duplicate_clinic_number_gets_a_clear_message(nurse, seeded_db_url):
    assert nurse.post("/staff/patients/enrol", VALID).status_code == 200
    response = nurse.post("/staff/patients/enrol", dict(VALID, full_name="Someone Else"))
    assert response.status_code == 400 and "already enrolled" in text(response)
    with session_scope(seeded_db_url) as session:
        assert session.execute(select(Patient.full_name).where(Patient.enrolled_at.is_not(None))).scalars().all() \
            == ["Ann Example"]
    assert len(audits(seeded_db_url, "patient.enrol")) == 1


@pytest.mark.parametrize("field, value, message", [
    ("full_name", "", "Enter the patient"), ("full_name", "   ", "Enter the patient"),
    ("full_name", "x" * 201, "At most 200"), ("full_name", "Ann\u202eExample", "control characters"),
    ("date_of_birth", "", "date of birth"), ("date_of_birth", "02/01/1970", "date of birth"),
    ("date_of_birth", "2999-01-01", "between 1900 and today"),
    ("clinic_number", "", "Enter the clinic number"), ("clinic_number", "1; DROP TABLE patient", "letters, digits"),
    ("phone", "", "Enter a phone"), ("phone", "call me", "digits"),
])
def test_enrolment_refuses_bad_fields_and_changes_nothing(nurse, seeded_db_url, field, value, message):
    response = nurse.post("/staff/patients/enrol", dict(VALID, **{field: value}))
    assert response.status_code == 400
    assert message in text(response) and 'aria-invalid="true"' in text(response)
    with session_scope(seeded_db_url) as session:
        assert session.execute(select(Patient)).first() is None
    assert audits(seeded_db_url, "patient.enrol") == []


def test_enrolment_without_csrf_token_is_refused(app, nurse):
    response = nurse.client.post("/staff/patients/enrol", data=VALID)
    assert response.status_code == 400 and "security token" in text(response)


def test_script_in_a_name_is_shown_as_text(nurse, seeded_db_url):
    response = nurse.post("/staff/patients/enrol", dict(VALID, full_name=XSS))
    assert response.status_code == 200 and XSS not in text(response) and "&lt;script&gt;" in text(response)
    with session_scope(seeded_db_url) as session:
        patient_id = session.execute(select(Patient.id).where(Patient.full_name == XSS)).scalar_one()
    for url in ("/staff/patients/", f"/staff/patients/{patient_id}", f"/staff/patients/{patient_id}/summary"):
        page = text(nurse.get(url))
        assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_new_code_and_revoke_and_a_revoked_code_no_longer_binds(nurse, ann, seeded_db_url):
    response = nurse.post(f"/staff/patients/{ann['id']}/codes")
    code = re.search(r'<code class="code">([A-Z2-9-]{9})</code>', text(response)).group(1)
    with session_scope(seeded_db_url) as session:
        record = session.execute(select(EnrolmentCode).where(EnrolmentCode.patient_id == ann["id"])).scalar_one()
        code_id, hint = record.id, record.code_hint
    assert hint == code[-3:]
    page = text(nurse.get(f"/staff/patients/{ann['id']}"))
    assert f"••••-•{hint}" in page and "Revoke" in page
    response = nurse.post(f"/staff/patients/{ann['id']}/codes/{code_id}/revoke")
    assert response.status_code == 302
    with session_scope(seeded_db_url) as session:
        assert session.get(EnrolmentCode, code_id).revoked_by == "nina"
        assert bind_by_code(session, "late-chat", code) is None and find_patient(session, "late-chat") is None
    assert [e.target_id for e in audits(seeded_db_url, "code.revoke")] == [str(code_id)]
    assert [e.target_id for e in audits(seeded_db_url, "code.issue")] == [str(code_id)]
    assert nurse.post(f"/staff/patients/{ann['id'] + 1}/codes/{code_id}/revoke").status_code == 404


def test_anonymous_record_gets_no_code(nurse, seeded_db_url):
    with session_scope(seeded_db_url) as session:
        anon_id = f.anonymous(session, "anon-1").id
    response = nurse.post(f"/staff/patients/{anon_id}/codes", follow_redirects=True)
    assert "Only an enrolled patient gets a code" in text(response)
    assert audits(seeded_db_url, "code.issue") == []


# --- linking an anonymous conversation ------------------------------------------------------------
def test_linking_an_anonymous_id_moves_its_diary_and_flags(nurse, ann, seeded_db_url):
    with session_scope(seeded_db_url) as session:
        anon = f.anonymous(session, "second-phone-chat")
        f.entry(session, anon.id, f.day(1), 9)
        f.flag(session, "second-phone-chat", "message:x", "my legs gave way", rule_id="weak")
        anon_id = anon.id
    response = nurse.post(f"/staff/patients/{ann['id']}/link", {"sender_id": " second-phone-chat "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/patients/{ann['id']}")
    with session_scope(seeded_db_url) as session:
        assert session.get(Patient, anon_id) is None
        assert find_patient(session, "second-phone-chat").id == ann["id"]
        assert len(session.execute(select(DiaryEntry).where(DiaryEntry.patient_id == ann["id"])).all()) == 3
        assert session.execute(select(Flag.patient_id).where(Flag.evidence == "my legs gave way")).scalar_one() \
            == ann["id"]
    (event,) = audits(seeded_db_url, "patient.link_sender")
    assert event.patient_id == ann["id"] and f'"from_patient_id": {anon_id}' in event.detail
    assert "second-phone-chat" not in event.detail


def test_linking_from_the_anonymous_record_by_clinic_number(nurse, ann, seeded_db_url):
    with session_scope(seeded_db_url) as session:
        anon_id = f.anonymous(session, "walk-in-chat").id
    bad = nurse.post(f"/staff/patients/{anon_id}/link", {"clinic_number": "NOPE-1"}, follow_redirects=True)
    assert "No enrolled patient has that clinic number" in text(bad)
    response = nurse.post(f"/staff/patients/{anon_id}/link", {"clinic_number": "C-100"})
    assert response.headers["Location"].endswith(f"/staff/patients/{ann['id']}")
    with session_scope(seeded_db_url) as session:
        assert find_patient(session, "walk-in-chat").id == ann["id"]


def test_linking_an_unknown_id_changes_nothing(nurse, ann, seeded_db_url):
    response = nurse.post(f"/staff/patients/{ann['id']}/link", {"sender_id": "never-seen"}, follow_redirects=True)
    assert "no conversation with that id is known" in text(response)
    with session_scope(seeded_db_url) as session:
        assert find_patient(session, "never-seen") is None
    assert audits(seeded_db_url, "patient.link_sender") == []


# --- the patient page ----------------------------------------------------------------------------
def test_patient_page_shows_header_timeline_treatments_and_is_audited(nurse, ann, seeded_db_url):
    response = nurse.get(f"/staff/patients/{ann['id']}")
    assert response.status_code == 200
    page = text(response)
    assert "Ann Example" in page and "1970-01-02" in page and "C-100" in page and "0123 456" in page
    timeline = page[page.index('class="timeline"'):]
    assert timeline.index("note &lt;script") < timeline.index("pregabalin")  # newest first
    assert "woken by pain" in timeline and "worse" in timeline
    assert f"note {XSS}" not in page and "note &lt;script&gt;" in page
    assert "Nerve root block (transforaminal or selective)" in page
    assert "Average leg pain in the 7 days before and the 14 days after each treatment." in page
    (event,) = audits(seeded_db_url, "patient.view")
    assert (event.actor, event.patient_id, event.target_id) == ("nina", ann["id"], str(ann["id"]))


def test_patient_page_chart_is_well_formed_svg(nurse, ann):
    page = text(nurse.get(f"/staff/patients/{ann['id']}"))
    svg = ET.fromstring(page[page.index("<svg"):page.index("</svg>") + len("</svg>")])
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "Leg and back pain over time"
    assert len(svg.findall(f".//{SVG}path")) == 2
    assert svg.find(f".//{SVG}g[@class='treatment']/{SVG}text").text == "Nerve root block (transforaminal or selective)"


def test_flag_evidence_is_highlighted_in_its_escaped_conversation(nurse, ann):
    page = text(nurse.get(f"/staff/patients/{ann['id']}"))
    assert XSS not in page
    assert ("&lt;script&gt;alert(1)&lt;/script&gt; my leg is numb and I <mark>cannot control my bladder</mark>"
            in page)
    excerpt = page[page.index('class="excerpt"'):]
    assert excerpt.index("How can I help?") < excerpt.index("<mark>") < excerpt.index("Please call emergency")
    assert "diary entry" in page  # the diary flag points at its entry


def test_page_says_when_no_conversation_is_stored(nurse, seeded_db_url):
    with session_scope(seeded_db_url) as session:
        anon = f.anonymous(session, "quiet-chat")
        f.flag(session, "quiet-chat", "message:q", "numb saddle")
        anon_id = anon.id
    response = nurse.get(f"/staff/patients/{anon_id}")
    assert response.status_code == 200
    page = text(response)
    assert "No conversation stored" in page and "Anonymous record" in page and "quiet-chat" in page
    assert "No diary entries yet." in page  # the chart's empty state


def test_page_survives_a_tracker_store_without_the_events_table(app, nurse, ann):
    from assistant.db import get_engine
    with get_engine(app.config["TRACKER_STORE_URL"]).begin() as connection:
        connection.execute(tracker_db.EVENTS.delete())
        tracker_db.EVENTS.drop(connection)
    response = nurse.get(f"/staff/patients/{ann['id']}")
    assert response.status_code == 200 and "No conversation stored" in text(response)


def test_unknown_patient_is_404_and_other_roles_are_refused(login, ann):
    nurse, editor = login("nurse"), login("editor")
    for url in ("/staff/patients/999999", "/staff/patients/999999/summary", "/staff/patients/999999/summary.json"):
        assert nurse.get(url).status_code == 404
    for url in ("/staff/patients/", f"/staff/patients/{ann['id']}", f"/staff/patients/{ann['id']}/summary",
                f"/staff/patients/{ann['id']}/summary.json", "/staff/patients/enrol"):
        assert editor.get(url).status_code == 403
    assert editor.post("/staff/patients/enrol", VALID).status_code == 403
    assert editor.post(f"/staff/patients/{ann['id']}/codes").status_code == 403
    assert login("admin").get(f"/staff/patients/{ann['id']}").status_code == 200


def test_not_logged_in_goes_to_login(browser, ann):
    response = browser.get(f"/staff/patients/{ann['id']}")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


# --- the summary ---------------------------------------------------------------------------------
def test_summary_page_and_json_have_the_same_content_and_are_audited(nurse, ann, seeded_db_url):
    response = nurse.get(f"/staff/patients/{ann['id']}/summary")
    assert response.status_code == 200
    page = text(response)
    assert "Pre-visit summary: Ann Example" in page and "patients.css" in page
    assert "<svg" in page and "Weekly averages" in page
    assert "what is a nerve root block?" in page and "hi</q>" not in page  # only knowledge questions
    assert "<mark>cannot control my bladder</mark>" in page and "open" in page
    assert "Nerve root block (transforaminal or selective)" in page

    data = nurse.get(f"/staff/patients/{ann['id']}/summary.json").get_json()
    assert data["patient"]["clinic_number"] == "C-100"
    assert [q["text"] for q in data["questions"]] == ["what is a nerve root block?"]
    assert {fl["id"] for fl in data["flags"]} == {ann["chat_flag"], ann["diary_flag"]}
    assert data["diary"]["entries_total"] == 2 and [p["leg_pain"] for p in data["diary"]["points"]] == [7, 4]
    (treatment,) = data["treatments"]
    assert (treatment["leg_pain_before"], treatment["leg_pain_after"]) == (7, 4)
    for week in data["diary"]["weekly_averages"]:
        assert f"<td>{week['week_start']}</td><td>{week['entries']}</td>" in page
    assert [audit_event.detail for audit_event in audits(seeded_db_url, "patient.summary")] == [
        '{"format": "html"}', '{"format": "json"}']


def test_summary_css_has_a_print_layout(app):
    css = (app.static_folder and open(f"{app.static_folder}/patients.css").read())
    assert "@media print" in css


def test_highlight_escapes_text_and_evidence():
    out = str(highlight("<b>I can't feel MY  leg</b> & more", "can't feel my leg"))
    assert out == "&lt;b&gt;I <mark>can&#39;t feel MY  leg</mark>&lt;/b&gt; &amp; more"
    assert str(highlight("<i>x</i>", "<i>")) == "<mark>&lt;i&gt;</mark>x&lt;/i&gt;"
    assert str(highlight("nothing here", "bladder")) == "nothing here"
    assert str(highlight("a <b>", "bladder", whole=True)) == "<mark>a &lt;b&gt;</mark>"

"""The services behind the nurse's patient pages, on a real migrated database: the list and its search,
linking an anonymous conversation, codes, the patient record and the pre-visit summary."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from assistant.conversations import ConversationStore
from assistant.patients import directory
from assistant.patients.identity import (
    EnrolmentError, bind_by_code, find_patient, issue_code, link_anonymous, revoke_code,
)
from assistant.patients.record import load_record
from assistant.patients.summary import build_summary
from assistant.tables import DiaryEntry, Flag, FlagNote, Patient
from tests.patients import factories as f
from tests.patients import tracker_db


# --- the list ------------------------------------------------------------------------------------
def test_list_counts_open_flags_and_last_entry_and_searches_name_or_clinic_number(session):
    ann = f.enrolled(session, "Ann Example", "C-100")
    f.enrolled(session, "Bob Other", "C-200")
    link_anonymous(session, f.anonymous(session, "ann-chat").sender_id, ann, linked_by="nina")
    f.flag(session, "ann-chat", "message:a1", "cannot control my bladder")
    resolved = f.flag(session, "ann-chat", "message:a2", "numb saddle", rule_id="other-rule")
    resolved.status = "resolved"
    f.entry(session, ann.id, f.day(3), 5)
    f.entry(session, ann.id, f.day(1), 6)
    stranger = f.anonymous(session, "zz-anon-123456")
    f.flag(session, stranger.sender_id, "message:z1", "fever and back pain", category="infection")

    page = directory.enrolled_patients(session)
    assert [r.full_name for r in page.rows] == ["Ann Example", "Bob Other"]
    ann_row = page.rows[0]
    assert ann_row.open_flags == 1 and ann_row.last_entry_at.replace(tzinfo=None) == f.day(1).replace(tzinfo=None)
    assert [r.full_name for r in directory.enrolled_patients(session, "  ann ").rows] == ["Ann Example"]
    assert [r.clinic_number for r in directory.enrolled_patients(session, "c-2").rows] == ["C-200"]
    assert directory.enrolled_patients(session, "%").rows == []      # LIKE wildcards are literal
    assert directory.enrolled_patients(session, "' OR 1=1 --").rows == []

    anonymous = directory.anonymous_patients(session)
    assert [(r.sender_id, r.open_flags) for r in anonymous.rows] == [("zz-anon-123456", 1)]
    assert anonymous.rows[0].short_id == "zz-anon-"
    assert directory.anonymous_patients(session, "zz-an").total == 1
    assert directory.anonymous_patients(session, "anon").total == 0  # ids match from their start


def test_list_pages(session):
    for n in range(7):
        f.enrolled(session, f"Patient {n:02d}", f"P-{n}")
    first, last = (directory.enrolled_patients(session, page=p, per_page=3) for p in (1, 3))
    assert first.total == 7 and first.pages == 3 and len(first.rows) == 3 and len(last.rows) == 1
    assert directory.enrolled_patients(session, page=99, per_page=3).page == 3


def test_query_is_cleaned():
    assert directory.clean_query("  Ａnn\u200b  Ex\x00ample ") == "Ann Example"
    assert len(directory.clean_query("x" * 5000)) == directory.MAX_QUERY


# --- linking and codes ---------------------------------------------------------------------------
def test_linking_an_anonymous_conversation_moves_its_diary_and_flags(session):
    ann = f.enrolled(session)
    anon = f.anonymous(session, "early-chat")
    f.entry(session, anon.id, f.day(2), 7)
    f.flag(session, "early-chat", "message:e1", "cannot control my bladder")
    source = anon.id
    assert link_anonymous(session, "early-chat", ann, linked_by="nina") == source
    assert session.get(Patient, source) is None
    assert find_patient(session, "early-chat").id == ann.id
    assert session.execute(select(DiaryEntry.patient_id)).scalars().all() == [ann.id]
    assert session.execute(select(Flag.patient_id)).scalars().all() == [ann.id]


@pytest.mark.parametrize("sender, message", [("never-seen", "no conversation"), ("", "no conversation"),
                                             ("bob-chat", "another enrolled patient")])
def test_linking_refuses_unknown_or_taken_conversations(session, sender, message):
    ann = f.enrolled(session)
    bob = f.enrolled(session, "Bob", "C-2")
    f.anonymous(session, "bob-chat")
    link_anonymous(session, "bob-chat", bob, linked_by="nina")
    with pytest.raises(EnrolmentError, match=message):
        link_anonymous(session, sender, ann, linked_by="nina")


def test_a_revoked_code_no_longer_binds(session):
    ann = f.enrolled(session)
    issued = issue_code(session, ann, created_by="nina")
    assert issued.record.code_hint == issued.code[-3:] and issued.code not in issued.record.code_hash
    revoke_code(session, issued.record.id, revoked_by="nina")
    assert bind_by_code(session, "new-chat", issued.code) is None
    assert find_patient(session, "new-chat") is None
    fresh = issue_code(session, ann, created_by="nina")
    assert bind_by_code(session, "new-chat", fresh.code.lower().replace("-", " ")).id == ann.id


# --- the record ----------------------------------------------------------------------------------
def test_record_has_newest_entries_first_treatments_and_flags_with_their_conversation(seeded_session, tmp_path):
    session = seeded_session
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    ann = f.enrolled(session)
    link_anonymous(session, f.anonymous(session, "ann-chat").sender_id, ann, linked_by="nina")
    tracker_db.store(url, "ann-chat", [("user", "hello"), ("bot", "Hi."),
                                       ("user", "I cannot control my bladder today", "report", "mid-1"),
                                       ("bot", "Call 999.")])
    flagged = f.flag(session, "ann-chat", "message:mid-1", "cannot control my bladder")
    diary_flag = f.flag(session, "ann-chat", "diary:77", "bladder bowel: yes", rule_id="diary-rule")
    old, new = f.entry(session, ann.id, f.day(10), 8), f.entry(session, ann.id, f.day(1), 3)
    f.treatment(session, ann.id, "selective-nerve-root-block", f.day(5).date())

    record = load_record(session, ann.id, ConversationStore(url))
    assert [e.id for e in record.entries] == [new.id, old.id]
    assert record.conversation == "stored" and record.sender_ids == ["ann-chat"]
    by_id = {v.flag.id: v for v in record.flags}
    assert by_id[flagged.id].excerpt.focus.text == "I cannot control my bladder today"
    assert by_id[diary_flag.id].excerpt is None and by_id[diary_flag.id].diary_entry_id == 77
    (treatment,) = record.treatments
    assert treatment.title == "Nerve root block (transforaminal or selective)"
    assert (treatment.leg_pain_before, treatment.leg_pain_after) == (8, 3)

    assert load_record(session, ann.id, ConversationStore(f"sqlite:///{tmp_path / 'none.db'}")).conversation == "none"
    assert load_record(session, 10_000, ConversationStore(url)) is None


def test_an_unreadable_store_is_a_state_not_an_error(session, tmp_path):
    (tmp_path / "garbage.db").write_bytes(b"this is not a database" * 100)
    ann = f.enrolled(session)
    link_anonymous(session, f.anonymous(session, "x-chat").sender_id, ann, linked_by="nina")
    store = ConversationStore(f"sqlite:///{tmp_path / 'garbage.db'}")
    assert load_record(session, ann.id, store).conversation == "unavailable"
    assert build_summary(session, ann.id, store, now=f.NOW)["conversation"] == "unavailable"


# --- the summary ---------------------------------------------------------------------------------
def test_summary_has_trend_weekly_averages_flags_with_outcome_treatments_and_questions(seeded_session, tmp_path):
    session = seeded_session
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    ann = f.enrolled(session)
    link_anonymous(session, f.anonymous(session, "ann-chat").sender_id, ann, linked_by="nina")
    tracker_db.store(url, "ann-chat", [("user", "what is a nerve root block?", "ask_what_is"), ("bot", "It is..."),
                                       ("user", "thanks", "thank")])
    for days_ago, leg, back in ((20, 8, 4), (9, 7, 3), (8, 6, None), (2, 4, 2), (100, 9, 9)):
        f.entry(session, ann.id, f.day(days_ago), leg, back)
    f.treatment(session, ann.id, "selective-nerve-root-block", f.day(7).date())
    raised = f.flag(session, "ann-chat", "message:q", "my legs are weak")
    raised.status, raised.resolved_by, raised.resolved_at = "resolved", "nina", f.day(1)
    session.add(FlagNote(flag_id=raised.id, author="nina", action="resolve", note="Called; seen in clinic."))
    session.flush()

    data = build_summary(session, ann.id, ConversationStore(url), now=f.NOW)
    json.dumps(data)  # JSON-ready as it is
    assert data["patient"]["clinic_number"] == "C-100" and data["patient"]["full_name"] == "Ann Example"
    diary = data["diary"]
    assert diary["entries_total"] == 5 and diary["entries_in_period"] == 4  # 100 days ago is outside 12 weeks
    assert diary["this_week"] == {"leg_pain": 4.0, "back_pain": 2.0}
    assert diary["last_week"] == {"leg_pain": 6.5, "back_pain": 3.0}
    weeks = {w["week_start"]: w for w in diary["weekly_averages"]}
    assert sum(w["entries"] for w in weeks.values()) == 4
    assert all(date.fromisoformat(start).weekday() == 0 for start in weeks)
    assert [p["leg_pain"] for p in diary["points"]] == [8, 7, 6, 4]
    (flag,) = data["flags"]
    assert (flag["status"], flag["resolved_by"], flag["notes"][0]["note"]) == ("resolved", "nina",
                                                                               "Called; seen in clinic.")
    (treatment,) = data["treatments"]
    assert treatment["title"] == "Nerve root block (transforaminal or selective)"
    assert (treatment["leg_pain_before"], treatment["leg_pain_after"]) == (6.5, 4.0)
    assert [q["text"] for q in data["questions"]] == ["what is a nerve root block?"]
    assert data["conversation"] == "stored"


def test_weekly_averages_start_on_monday(session):
    ann = f.enrolled(session)
    monday = f.NOW - timedelta(days=f.NOW.weekday())  # 2025-03-17
    f.entry(session, ann.id, monday.replace(hour=1), 2, 2)
    f.entry(session, ann.id, monday.replace(hour=0) - timedelta(minutes=1), 6, 6)  # Sunday night: the week before
    weeks = build_summary(session, ann.id, None, now=f.NOW)["diary"]["weekly_averages"]
    assert [(w["week_start"], w["leg_pain"]) for w in weeks] == [("2025-03-10", 6.0), ("2025-03-17", 2.0)]


def test_summary_of_an_anonymous_record_without_conversation(session):
    anon = f.anonymous(session, "lonely-chat")
    data = build_summary(session, anon.id, ConversationStore("sqlite:////nonexistent/dir/t.db"), now=f.NOW)
    assert data["patient"]["enrolled"] is False and data["patient"]["anonymous_id"] == "lonely-chat"
    assert data["questions"] == [] and data["conversation"] == "none" and data["diary"]["points"] == []
    assert build_summary(session, 999_999, None) is None

"""Telling the patient that a nurse reviewed what they reported: once, dated in words, from the database."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlalchemy import select

from assistant.diary.service import DiaryAnswers, save_entry
from assistant.patients.identity import enrol, link_sender, patient_for
from assistant.patients.updates import (
    CALLBACK, DIARY, MESSAGE, date_in_words, review_status, tell_reviews, untold_reviews,
)
from assistant.safety.flags import record_flags
from assistant.safety.scanner import Finding
from assistant.tables import AuditEvent, Flag

TUESDAY = datetime(2026, 11, 17, 9, 30, tzinfo=timezone.utc)
THURSDAY = datetime(2026, 11, 19, 22, 15, tzinfo=timezone.utc)


def finding(rule_id="RV-X", level="review"):
    return Finding(rule_id, 1, level, "test", "Test rule", "my words", "affirmed")


def flag(session, sender, key, rule_id="RV-X", created_at=TUESDAY):
    (made,) = record_flags(session, sender, key, [finding(rule_id)])
    made.created_at = created_at
    session.flush()
    return made


def review(made, status="acknowledged", at=THURSDAY, by="nurse1"):
    made.status = status
    if status == "acknowledged":
        made.acknowledged_at, made.acknowledged_by = at, by
    else:
        made.resolved_at, made.resolved_by = at, by


def fever_entry(session, sender, at):
    answers = DiaryAnswers(leg_pain=4, back_pain=3, numbness="as_usual", weakness="none", bladder_bowel="no",
                           saddle="no", fever="yes", sleep="ok")
    return save_entry(session, sender, answers, recorded_at=at)


def test_dates_are_said_in_words_with_the_year_only_when_it_differs():
    assert date_in_words(date(2026, 11, 17), today=date(2026, 11, 20)) == "Tuesday 17 November"
    assert date_in_words(date(2025, 12, 31), today=date(2026, 1, 2)) == "Wednesday 31 December 2025"


def test_nothing_to_tell_for_an_unknown_sender_or_unreviewed_flags(session):
    assert untold_reviews(session, "nobody") == [] and tell_reviews(session, "nobody") == []
    flag(session, "p1", "message:a")
    assert tell_reviews(session, "p1") == []
    assert review_status(session, "p1").waiting == 1


def test_a_reviewed_diary_entry_is_told_once_dated_by_the_entry(session):
    saved = fever_entry(session, "p1", TUESDAY)
    assert saved.flags, "a fever in the diary raises a flag"
    for made in session.execute(select(Flag)).scalars():
        review(made, "resolved")
    (update,) = tell_reviews(session, "p1", now=THURSDAY)
    assert (update.kind, update.about) == (DIARY, date(2026, 11, 17))
    assert all(f.patient_told_at is not None for f in session.execute(select(Flag)).scalars())
    assert tell_reviews(session, "p1") == []  # exactly once
    (event,) = session.execute(select(AuditEvent).where(AuditEvent.action == "flag.patient_told")).scalars()
    assert event.actor == "chat" and json.loads(event.detail) == {"flag_ids": sorted(update.flag_ids)}


def test_messages_and_callbacks_are_dated_by_when_they_were_raised_and_grouped_by_day(session):
    first = flag(session, "p1", "message:a", created_at=TUESDAY)
    same_day = flag(session, "p1", "diary-answer:b", created_at=TUESDAY.replace(hour=20))
    callback = flag(session, "p1", "callback:abc", rule_id="callback-request", created_at=THURSDAY)
    waiting = flag(session, "p1", "message:c", created_at=THURSDAY)
    for made in (first, same_day, callback):
        review(made)
    updates = untold_reviews(session, "p1")
    assert [(u.kind, u.about, set(u.flag_ids)) for u in updates] == [
        (MESSAGE, date(2026, 11, 17), {first.id, same_day.id}),
        (CALLBACK, date(2026, 11, 19), {callback.id}),
    ]
    assert waiting.id not in {i for u in updates for i in u.flag_ids}


def test_a_flag_told_by_another_conversation_meanwhile_is_not_told_again(session):
    made = flag(session, "p1", "message:a")
    review(made)
    session.flush()
    session.execute(Flag.__table__.update().values(patient_told_at=THURSDAY))  # the other conversation won
    assert tell_reviews(session, "p1") == []


def test_reviews_follow_the_patient_to_a_new_chat(session):
    made = flag(session, "old-chat", "message:a")
    patient = enrol(session, full_name="Sam Patel", date_of_birth=date(1970, 1, 2), clinic_number="C-1",
                    phone="0123", enrolled_by="nurse1")
    link_sender(session, "old-chat", patient, method="nurse", linked_by="nurse1")
    link_sender(session, "new-chat", patient, method="code", linked_by=None)
    review(session.get(Flag, made.id))
    (update,) = tell_reviews(session, "new-chat")
    assert update.flag_ids == (made.id,)
    assert tell_reviews(session, "old-chat") == []


def test_review_status_is_the_truth_from_the_database(session):
    patient_for(session, "p1")  # known, but nothing flagged
    status = review_status(session, "p1")
    assert (status.waiting, status.reviewed_on) == (0, None)
    older, newer = flag(session, "p1", "message:a"), flag(session, "p1", "message:b")
    status = review_status(session, "p1")
    assert (status.waiting, status.reviewed_on) == (2, None)
    review(older, at=TUESDAY)
    review(newer, "resolved", at=THURSDAY)
    status = review_status(session, "p1")
    assert (status.waiting, status.reviewed_on) == (0, date(2026, 11, 19))

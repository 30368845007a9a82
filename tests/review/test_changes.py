"""Acknowledging, resolving and noting flag groups: statuses, notes, audit rows, refused changes."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from assistant.review.changes import FlagChangeError, MAX_NOTE_CHARS, acknowledge, add_note, resolve
from assistant.review.queue import QueueQuery, load_queue
from assistant.tables import AuditEvent, Flag, FlagNote
from tests.review.factory import NOW, anonymous, flag


def audits(session, action):
    return [(e.actor, e.target_id, e.patient_id, json.loads(e.detail)) for e in
            session.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).scalars()]


@pytest.fixture
def group(session):
    patient = anonymous(session, "changes")
    first = flag(session, patient, "urgent", "weakness", minutes_ago=30)
    second = flag(session, patient, "urgent", "weakness", minutes_ago=20, group=first)
    other = flag(session, patient, "review", "sleep", minutes_ago=10)
    return first, second, other


def test_acknowledge_acts_on_the_whole_group_with_a_note_each_and_one_audit_event(session, group):
    first, second, other = group
    change = acknowledge(session, second.id, "nina", "  Phoned the patient.  ", now=NOW)
    assert change.flag_ids == [first.id, second.id]
    for row in (first, second):
        session.refresh(row)
        assert (row.status, row.acknowledged_by) == ("acknowledged", "nina")
        assert row.acknowledged_at is not None
        assert [(n.author, n.action, n.note) for n in row.notes] == [("nina", "acknowledge", "Phoned the patient.")]
    assert session.get(Flag, other.id).status == "open"
    assert audits(session, "flag.acknowledge") == [("nina", str(second.id), first.patient_id, {
        "flag_ids": [first.id, second.id], "group_id": first.id, "with_note": True})]
    assert [i.status for i in load_queue(session, QueueQuery(level="urgent"), now=NOW).items] == ["acknowledged"]


def test_resolve_needs_a_note_and_takes_the_group_out_of_the_queue(session, group):
    first, second, other = group
    with pytest.raises(FlagChangeError) as refused:
        resolve(session, first.id, "nina", "   ")
    assert refused.value.status == 400 and "note" in refused.value.message
    assert session.get(Flag, first.id).status == "open"

    resolve(session, first.id, "nina", "Seen in clinic; no new weakness.", now=NOW)
    assert {session.get(Flag, f.id).status for f in (first, second)} == {"resolved"}
    assert session.get(Flag, first.id).resolved_by == "nina"
    assert [i.group_id for i in load_queue(session, now=NOW).items] == [other.id]
    assert [i.group_id for i in load_queue(session, QueueQuery(status="resolved"), now=NOW).items] == [first.id]
    (event,) = audits(session, "flag.resolve")
    assert event[3] == {"flag_ids": [first.id, second.id], "group_id": first.id, "with_note": True}
    assert "Seen in clinic" not in json.dumps(event)  # the note stays in flag_note, not in the log


def test_acknowledged_then_resolved_keeps_both_notes_in_order(session, group):
    first, _second, _other = group
    acknowledge(session, first.id, "nina", "", now=NOW)
    resolve(session, first.id, "ada", "Done.", now=NOW)
    notes = session.execute(select(FlagNote.action, FlagNote.author, FlagNote.note)
                            .where(FlagNote.flag_id == first.id).order_by(FlagNote.id)).all()
    assert [tuple(n) for n in notes] == [("acknowledge", "nina", ""), ("resolve", "ada", "Done.")]


def test_invalid_transitions_are_refused_with_a_clear_message_and_change_nothing(session, group):
    first, _second, _other = group
    with pytest.raises(FlagChangeError) as unknown:
        acknowledge(session, 999999, "nina")
    assert unknown.value.status == 404 and "no flag 999999" in unknown.value.message

    acknowledge(session, first.id, "nina", now=NOW)
    with pytest.raises(FlagChangeError, match="already acknowledged by nina"):
        acknowledge(session, first.id, "ada")

    resolve(session, first.id, "nina", "Done.", now=NOW)
    before = session.execute(select(FlagNote.id)).scalars().all()
    for attempt in (lambda: resolve(session, first.id, "ada", "again"), lambda: acknowledge(session, first.id, "ada")):
        with pytest.raises(FlagChangeError, match="already resolved by nina") as refused:
            attempt()
        assert refused.value.status == 409
    assert session.execute(select(FlagNote.id)).scalars().all() == before
    assert len(audits(session, "flag.resolve")) == 1


@pytest.mark.parametrize("note, stored", [
    ("line one\r\nline two\x00\x07", "line one\nline two"),
    ("Cafe\u0301 \U0001F600 '; DROP TABLE flag; --", "Caf\u00e9 \U0001F600 '; DROP TABLE flag; --"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # stored as written, escaped when shown
])
def test_notes_are_cleaned_but_kept_as_written(session, group, note, stored):
    entry = add_note(session, group[0].id, "nina", note, now=NOW)
    assert entry.note == stored
    assert session.get(Flag, group[0].id).status == "open"
    assert audits(session, "flag.note")[0][3] == {"group_id": group[0].id, "note_id": entry.id}


def test_a_huge_note_is_refused(session, group):
    with pytest.raises(FlagChangeError, match="too long") as refused:
        acknowledge(session, group[0].id, "nina", "x" * (MAX_NOTE_CHARS + 1))
    assert refused.value.status == 400
    assert session.get(Flag, group[0].id).status == "open"


def test_a_callback_request_is_ranked_and_handled_like_any_flag(session):
    patient = anonymous(session, "callback")
    review = flag(session, patient, "review", "sleep", minutes_ago=100)
    callback = flag(session, patient, "callback", "callback", minutes_ago=5, evidence="please ring me",
                    rule_id="callback-request")
    urgent = flag(session, patient, "urgent", "fever", minutes_ago=1)
    assert [i.group_id for i in load_queue(session, now=NOW).items] == [urgent.id, callback.id, review.id]
    acknowledge(session, callback.id, "nina", "Will ring at 3", now=NOW)
    resolve(session, callback.id, "nina", "Rang the patient.", now=NOW)
    assert session.get(Flag, callback.id).status == "resolved"

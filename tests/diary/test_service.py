"""Diary entries on a real database: one transaction per save, flags from answers and trends,
weekly averages and pain before and after a treatment."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.db import session_scope
from assistant.diary.service import DiaryAnswers, record_treatment, save_entry, summary
from assistant.tables import DiaryEntry, Flag
from assistant.safety.flags import list_flags

START = datetime(2026, 11, 1, 9, tzinfo=timezone.utc)


def day(n, hour=9):
    return START + timedelta(days=n, hours=hour - 9)


def quiet(leg, back=3):
    return DiaryAnswers(leg_pain=leg, back_pain=back, numbness="as_usual", weakness="none", bladder_bowel="no",
                        saddle="no", fever="no", sleep="ok")


def count(session, model):
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_quiet_entry_is_saved_whole_and_raises_nothing(session):
    saved = save_entry(session, "p1", quiet(5), recorded_at=day(0))
    entry = session.get(DiaryEntry, saved.entry_id)
    assert (entry.leg_pain, entry.back_pain, entry.numbness, entry.sleep) == (5, 3, "as_usual", "ok")
    assert saved.flags == [] and list_flags(session) == []


@pytest.mark.parametrize("changes, rule_id, level, status", [
    ({"bladder_bowel": "yes"}, "DA-BLADDER-BOWEL", "emergency", "affirmed"),
    ({"bladder_bowel": "unsure"}, "DA-BLADDER-BOWEL", "emergency", "possible"),
    ({"saddle": "yes"}, "DA-SADDLE", "emergency", "affirmed"),
    ({"weakness": "new"}, "DA-WEAKNESS", "emergency", "affirmed"),
    ({"fever": "yes"}, "DA-FEVER", "urgent", "affirmed"),
    ({"numbness": "new_place"}, "DA-NUMBNESS-NEW", "review", "affirmed"),
    ({"side_effects": "very drowsy on pregabalin"}, "DA-SIDE-EFFECTS", "review", "affirmed"),
    ({"notes": "and this morning I wet myself"}, "CE-BLADDER", "emergency", "affirmed"),
])
def test_screening_answers_and_free_text_raise_flags(session, changes, rule_id, level, status):
    answers = quiet(5)
    for name, value in changes.items():
        setattr(answers, name, value)
    saved = save_entry(session, "p2", answers, recorded_at=day(0))
    (flag,) = [f for f in list_flags(session) if f.rule_id == rule_id]
    assert (flag.level, flag.assertion, flag.status) == (level, status, "open")
    assert rule_id in [f.rule_id for f in saved.flags]


def test_leg_pain_well_above_the_patients_own_baseline_three_times_raises_a_review(session):
    for n, leg in enumerate([4, 4, 5, 4]):
        save_entry(session, "p3", quiet(leg), recorded_at=day(n))
    assert save_entry(session, "p3", quiet(7), recorded_at=day(4)).flags == []
    assert save_entry(session, "p3", quiet(7), recorded_at=day(5)).flags == []
    third = save_entry(session, "p3", quiet(7), recorded_at=day(6))
    assert [f.rule_id for f in third.flags] == ["TR-LEG-BASELINE"]


def test_severe_leg_pain_twice_running_raises_a_review(session):
    save_entry(session, "p4", quiet(8), recorded_at=day(0))
    second = save_entry(session, "p4", quiet(9), recorded_at=day(1))
    assert "TR-LEG-SEVERE" in [f.rule_id for f in second.flags]


def test_a_failed_save_leaves_nothing_half_written(db_url):
    with pytest.raises(RuntimeError):
        with session_scope(db_url) as session:
            save_entry(session, "p5", quiet(5, back=4), recorded_at=day(0))
            save_entry(session, "p5", DiaryAnswers(leg_pain=9, bladder_bowel="yes"), recorded_at=day(1))
            raise RuntimeError("the process died before the commit")
    with session_scope(db_url) as session:
        assert (count(session, DiaryEntry), count(session, Flag)) == (0, 0)


def test_summary_gives_weekly_averages_and_pain_before_and_after_a_treatment(session):
    for n, leg in enumerate([7, 7, 7, 7, 7, 7, 7]):
        save_entry(session, "p6", quiet(leg, back=5), recorded_at=day(n))
    record_treatment(session, "p6", "selective-nerve-root-block", (START + timedelta(days=7)).date())
    record_treatment(session, "p6", "selective-nerve-root-block", (START + timedelta(days=7)).date())  # told twice
    for n, leg in enumerate([4, 4, 4, 4, 4, 4, 4], start=8):
        save_entry(session, "p6", quiet(leg, back=3), recorded_at=day(n))
    result = summary(session, "p6", now=day(14, hour=12))
    assert (result.leg_pain_this_week, result.leg_pain_last_week) == (4.0, 7.0)
    assert (result.back_pain_this_week, result.back_pain_last_week) == (3.0, 5.0)
    (treatment,) = result.treatments
    assert (treatment.therapy_slug, treatment.before, treatment.after) == ("selective-nerve-root-block", 7.0, 4.0)
    assert len(result.entries) == 5 and result.entries[-1]["leg_pain"] == 4


def test_cli_shows_the_diary_as_json(db_url):
    with session_scope(db_url) as session:
        save_entry(session, "p7", quiet(6), recorded_at=datetime.now(timezone.utc) - timedelta(days=1))
    result = subprocess.run([str(Path(sys.executable).parent / "assistant"), "diary", "show", "p7", "--json"],
                            capture_output=True, text=True, env=dict(os.environ, ASSISTANT_DATABASE_URL=db_url))
    data = json.loads(result.stdout)
    assert data["patient_id"] == "p7" and data["leg_pain_this_week"] == 6.0
    assert data["entries"][0]["leg_pain"] == 6 and data["treatments"] == []


def test_last_score_is_the_most_recent_entry(session):
    from assistant.diary.service import DiaryAnswers, last_score, save_entry
    assert last_score(session, "score-sender", "leg_pain") is None
    save_entry(session, "score-sender", DiaryAnswers(leg_pain=4), recorded_at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    save_entry(session, "score-sender", DiaryAnswers(leg_pain=None, back_pain=2),
               recorded_at=datetime(2026, 11, 2, tzinfo=timezone.utc))
    save_entry(session, "score-sender", DiaryAnswers(leg_pain=7), recorded_at=datetime(2026, 11, 3, tzinfo=timezone.utc))
    assert last_score(session, "score-sender", "leg_pain") == 7
    assert last_score(session, "score-sender", "back_pain") == 2
    assert last_score(session, "score-sender", "notes") is None


@pytest.mark.parametrize("text, expected", [
    ("I had my nerve root block today", date(2026, 11, 23)),
    ("I had my nerve root block", date(2026, 11, 23)),
    ("had the injection yesterday", date(2026, 11, 22)),
    ("my epidural was last night", date(2026, 11, 22)),
    ("I had surgery 3 days ago", date(2026, 11, 20)),
    ("physio two days ago", date(2026, 11, 21)),
    ("injection 90 days ago", date(2026, 10, 23)),
])
def test_treatment_date_in_utc(text, expected):
    from assistant.diary.service import treatment_date
    # Stored dates follow UTC like every stored time; a long-ago report is capped at 31 days.
    now = datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc)
    assert treatment_date(text, now) == expected

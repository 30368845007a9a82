"""The review workflow on a real seeded database: drafts, review by a second person, send back,
rollback, the audit trail, and what the bot says at each step."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from assistant.knowledge import workflow
from assistant.knowledge.answering import AnswerService
from assistant.knowledge.seed import load_seed
from assistant.knowledge.store import KnowledgeStore
from assistant.tables import AnswerText, AuditEvent, StaffUser
from tests.conftest import CONTENT_DIR

SLUG, ASPECT = "spinal-cord-stimulation", "overview"
NEW = "Spinal cord stimulation, new wording.\n\nAsk your care team if you have questions."


@pytest.fixture
def s(seeded_session):
    """Staff rows as the workflow sees them (no password hashing: these accounts never log in)."""
    for username, role in (("ann", "editor"), ("ben", "editor"), ("cat", "admin"), ("nina", "nurse")):
        seeded_session.add(StaffUser(username=username, display_name=username, role=role, password_hash="-"))
    seeded_session.flush()
    return seeded_session


def bot_text(session) -> str:
    reply = AnswerService(KnowledgeStore(session)).reply("ask_what_is", ["spinal cord stimulation"], None)
    return reply.messages[0].text


def audit_rows(session, action=None):
    query = select(AuditEvent).where(AuditEvent.action.startswith("content.")).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.execute(query).scalars())


def to_review(s, author="ann", body=NEW) -> AnswerText:
    text = workflow.save_draft(s, author, SLUG, ASPECT, body)
    return workflow.submit(s, author, SLUG, ASPECT, text.version)


def test_a_draft_is_a_new_version_the_bot_does_not_say(s):
    live = bot_text(s)
    before = KnowledgeStore(s).latest(SLUG, ASPECT).version
    text = workflow.save_draft(s, "ann", SLUG, ASPECT, NEW)
    assert (text.version, text.status, text.author, text.origin) == (before + 1, "draft", "ann", "editor")
    assert text.sources and text.review_due  # provenance carried over from the live text
    assert bot_text(s) == live


def test_saving_again_updates_your_own_draft_in_place(s):
    first = workflow.save_draft(s, "ann", SLUG, ASPECT, NEW)
    again = workflow.save_draft(s, "ann", SLUG, ASPECT, NEW + " More.",
                                workflow.Provenance(["NICE TA159"], date(2026, 1, 2), date(2027, 1, 2)))
    assert again.id == first.id and again.body.endswith("More.")
    assert again.sources == "NICE TA159" and again.review_due == date(2027, 1, 2)
    assert [e.action for e in audit_rows(s)] == ["content.draft", "content.draft"]
    assert [json.loads(e.detail)["in_place"] for e in audit_rows(s)] == [False, True]


def test_another_editors_draft_is_not_overwritten(s):
    mine = workflow.save_draft(s, "ann", SLUG, ASPECT, NEW)
    theirs = workflow.save_draft(s, "ben", SLUG, ASPECT, NEW + " Ben's idea.")
    assert theirs.version == mine.version + 1 and mine.body == NEW
    assert workflow.superseded(mine, theirs.version)


def test_an_unchanged_text_is_not_a_new_draft(s):
    live = KnowledgeStore(s).published_answer(SLUG, ASPECT)
    with pytest.raises(workflow.WorkflowError, match="Nothing changed"):
        workflow.save_draft(s, "ann", SLUG, ASPECT, live.body)


def test_two_person_rule_and_immediate_publication(s):
    text = to_review(s)
    assert (text.status, text.submitted_by) == ("in_review", "ann") and text.submitted_at
    for refused in ("ann", "nina", "nobody"):
        with pytest.raises(workflow.WorkflowError):
            workflow.approve(s, refused, SLUG, ASPECT, text.version)
    assert text.status == "in_review" and bot_text(s) != NEW
    published = workflow.approve(s, "ben", SLUG, ASPECT, text.version)
    assert (published.status, published.approved_by, published.reviewed_by) == ("published", "ben", "ben")
    assert published.published_at and published.reviewed_at
    assert bot_text(s) == NEW  # the very next reply, no restart
    assert [e.action for e in audit_rows(s)] == ["content.draft", "content.submit", "content.publish"]
    detail = json.loads(audit_rows(s, "content.publish")[0].detail)
    assert detail == {"slug": SLUG, "aspect": ASPECT, "version": text.version}
    assert audit_rows(s, "content.publish")[0].target_id == str(text.id)


def test_the_submitter_may_not_approve_either(s):
    text = workflow.save_draft(s, "ann", SLUG, ASPECT, NEW)
    workflow.submit(s, "ben", SLUG, ASPECT, text.version)
    with pytest.raises(workflow.WorkflowError, match="two-person"):
        workflow.approve(s, "ben", SLUG, ASPECT, text.version)
    assert workflow.approve(s, "cat", SLUG, ASPECT, text.version).status == "published"  # an admin may


def test_a_text_in_review_cannot_be_edited_and_a_draft_cannot_be_approved(s):
    text = workflow.save_draft(s, "ann", SLUG, ASPECT, NEW)
    with pytest.raises(workflow.WorkflowError, match="in review|draft"):
        workflow.approve(s, "ben", SLUG, ASPECT, text.version)
    workflow.submit(s, "ann", SLUG, ASPECT, text.version)
    with pytest.raises(workflow.WorkflowError, match="waiting for review"):
        workflow.save_draft(s, "ann", SLUG, ASPECT, NEW + " Edit.")


def test_approving_a_text_that_changed_since_it_was_read_is_refused(s):
    text = to_review(s)
    with pytest.raises(workflow.WorkflowError, match="changed"):
        workflow.approve(s, "ben", SLUG, ASPECT, text.version, expected_hash="0" * 64)
    assert text.status == "in_review"


def test_send_back_needs_a_comment_and_returns_a_draft(s):
    text = to_review(s)
    with pytest.raises(workflow.InvalidInput):
        workflow.send_back(s, "ben", SLUG, ASPECT, text.version, "   ")
    back = workflow.send_back(s, "ben", SLUG, ASPECT, text.version, "Say what the trial is first.")
    assert (back.status, back.comment, back.reviewed_by) == ("draft", "Say what the trial is first.", "ben")
    again = workflow.save_draft(s, "ann", SLUG, ASPECT, NEW + " The trial comes first.")
    assert again.id == text.id  # the author keeps working on the same version
    assert audit_rows(s)[-2].action == "content.send_back"


def test_rollback_restores_an_older_text_as_a_new_published_version(s):
    old = KnowledgeStore(s).published_answer(SLUG, ASPECT)
    text = to_review(s)
    workflow.approve(s, "ben", SLUG, ASPECT, text.version)
    with pytest.raises(workflow.WorkflowError, match="already"):
        workflow.rollback(s, "ann", SLUG, ASPECT, text.version)
    restored = workflow.rollback(s, "ann", SLUG, ASPECT, old.version)  # no second person needed
    assert (restored.version, restored.status, restored.rolled_back_from) == (text.version + 1, "published",
                                                                               old.version)
    assert restored.body == old.body and restored.approved_by == "seed" and restored.author == "ann"
    assert bot_text(s) == old.body
    event = audit_rows(s, "content.rollback")[0]
    assert json.loads(event.detail)["rolled_back_from"] == old.version and event.target_id == str(restored.id)


def test_rollback_returns_a_pending_review_to_draft(s):
    old = KnowledgeStore(s).published_answer(SLUG, ASPECT)
    first = to_review(s)
    workflow.approve(s, "ben", SLUG, ASPECT, first.version)
    pending = to_review(s, body=NEW + " Second edit.")
    workflow.rollback(s, "ben", SLUG, ASPECT, old.version)
    assert pending.status == "draft" and "restored" in pending.comment
    with pytest.raises(workflow.WorkflowError):
        workflow.submit(s, "ann", SLUG, ASPECT, pending.version)  # replaced by the rollback
    assert bot_text(s) == old.body


def test_drafts_cannot_be_rolled_back_to(s):
    draft = workflow.save_draft(s, "ann", SLUG, ASPECT, NEW)
    with pytest.raises(workflow.WorkflowError, match="published"):
        workflow.rollback(s, "ann", SLUG, ASPECT, draft.version)


@pytest.mark.parametrize("body, message", [
    ("", "empty"), ("  \n\n \r\n", "empty"), ("x" * 20_001, "too long"),
])
def test_bad_bodies_are_refused_and_change_nothing(s, body, message):
    count = len(KnowledgeStore(s).versions(SLUG, ASPECT))
    with pytest.raises(workflow.InvalidInput, match=message):
        workflow.save_draft(s, "ann", SLUG, ASPECT, body)
    assert len(KnowledgeStore(s).versions(SLUG, ASPECT)) == count and not audit_rows(s)


def test_odd_unicode_and_sql_looking_text_are_stored_as_plain_text(s):
    body = "Robert'); DROP TABLE answer_text;--\u202e\r\n\r\n\r\nZero\u200bwidth ok."
    text = workflow.save_draft(s, "ann", SLUG, ASPECT, body)
    assert text.body == "Robert'); DROP TABLE answer_text;--\n\nZero\u200bwidth ok."
    assert len(KnowledgeStore(s).versions(SLUG, ASPECT)) == text.version


@pytest.mark.parametrize("sources, reviewed, due, message", [
    ("a", "2026-13-01", "", "YYYY-MM-DD"),
    ("a", "yesterday", "", "YYYY-MM-DD"),
    ("a", "2026-01-01", "2025-01-01", "after"),
    ("a", "1900-01-01", "", "2000"),
    ("\n".join(f"s{i}" for i in range(41)), "", "", "at most 40"),
    ("x" * 301, "", "", "300"),
])
def test_bad_provenance_is_refused(sources, reviewed, due, message):
    with pytest.raises(workflow.InvalidInput, match=message):
        workflow.parse_provenance(sources, reviewed, due)


def test_provenance_from_the_form():
    provenance = workflow.parse_provenance(" NICE TA159 \r\n\r\n  MTG41\n", "2026-11-23", "2027-11-23")
    assert provenance == workflow.Provenance(["NICE TA159", "MTG41"], date(2026, 11, 23), date(2027, 11, 23))


def test_only_editors_and_admins_change_texts(s):
    with pytest.raises(workflow.WorkflowError, match="editor"):
        workflow.save_draft(s, "nina", SLUG, ASPECT, NEW)
    with pytest.raises(workflow.WorkflowError, match="no such topic"):
        workflow.save_draft(s, "ann", "no-such-topic", ASPECT, NEW)
    with pytest.raises(workflow.WorkflowError, match="aspect"):
        workflow.save_draft(s, "ann", SLUG, "price", NEW)
    with pytest.raises(workflow.WorkflowError, match="no version"):
        workflow.submit(s, "ann", SLUG, ASPECT, 999)


def test_reseeding_keeps_the_editors_published_text(s):
    text = to_review(s)
    workflow.approve(s, "ben", SLUG, ASPECT, text.version)
    report = load_seed(s, CONTENT_DIR)
    assert report.texts_created == 0
    assert bot_text(s) == NEW


def test_statuses_show_the_open_version(s):
    to_review(s)
    row = next(r for r in KnowledgeStore(s).statuses() if (r.slug, r.aspect) == (SLUG, ASPECT))
    assert row.latest_status == "in_review" and row.submitted_by == "ann" and row.changed_by == "ann"
    assert row.published_version == row.latest_version - 1


def test_a_first_text_for_an_aspect_without_one(s):
    assert KnowledgeStore(s).latest("numbness", "risks") is None
    text = workflow.save_draft(s, "ann", "numbness", "risks", "Numbness risks, a first text.")
    assert (text.version, text.status, text.sources) == (1, "draft", "")
    workflow.submit(s, "ann", "numbness", "risks", 1)
    workflow.approve(s, "ben", "numbness", "risks", 1)
    assert KnowledgeStore(s).published_answer("numbness", "risks").body == "Numbness risks, a first text."

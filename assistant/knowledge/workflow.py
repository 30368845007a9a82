"""The review workflow for answer texts: draft, submit, approve (two people), send back, roll back.

Only the newest version of a (topic, aspect) moves through the workflow; older drafts are
history. A text reaches patients only once a second editor (or admin), who neither wrote nor
submitted it, approves it; a rollback needs no second person because it restores a text that
was approved before. Every change is audited with ids only, never the text itself.

Each function takes the caller's session and the acting staff username, changes nothing when
it refuses (``WorkflowError``, whose message is meant for the editor), and leaves committing
to the caller.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.knowledge.aspects import ASPECTS
from assistant.knowledge.render import normalise
from assistant.knowledge.store import KnowledgeStore, UnknownTopic, UnknownVersion, content_hash
from assistant.staff import audit
from assistant.tables import AnswerText, StaffUser, utcnow

MAX_BODY = 20_000
MAX_SOURCES = 40
MAX_SOURCE_LENGTH = 300
MAX_COMMENT = 2_000
REVIEWER_ROLES = ("editor", "admin")
OPEN_STATUSES = ("draft", "in_review")


class WorkflowError(ValueError):
    """A refused change, worded for the editor who asked for it."""


class InvalidInput(WorkflowError):
    """A refusal because of what was typed (empty, too long, not a date), not the text's state."""


@dataclass(frozen=True)
class Provenance:
    """Where a text's facts come from and when it was, and must next be, clinically reviewed."""

    sources: List[str]
    last_reviewed: Optional[date]
    review_due: Optional[date]


# --- input ---------------------------------------------------------------------------------
def _clean_line(text: str) -> str:
    return " ".join(normalise(text).split())


def parse_date(value: Optional[str], label: str) -> Optional[date]:
    """A form's YYYY-MM-DD date, empty for none; anything else is refused by name."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label} must be a date written as YYYY-MM-DD.") from None
    if not 2000 <= parsed.year <= 2100:
        raise InvalidInput(f"{label} must be between the years 2000 and 2100.")
    return parsed


def parse_provenance(sources: Optional[str], last_reviewed: Optional[str], review_due: Optional[str]) -> Provenance:
    """Provenance from the edit form: sources one per line, two dates."""
    lines = [_clean_line(line) for line in normalise(sources or "").split("\n")]
    lines = [line for line in lines if line]
    if len(lines) > MAX_SOURCES:
        raise InvalidInput(f"List at most {MAX_SOURCES} sources.")
    if any(len(line) > MAX_SOURCE_LENGTH for line in lines):
        raise InvalidInput(f"Each source must be at most {MAX_SOURCE_LENGTH} characters.")
    reviewed = parse_date(last_reviewed, "Last clinically reviewed")
    due = parse_date(review_due, "Review due")
    if reviewed and due and due <= reviewed:
        raise InvalidInput("The review due date must come after the last clinical review.")
    return Provenance(lines, reviewed, due)


def clean_body(body: Optional[str]) -> str:
    text = normalise(body or "")
    if not text:
        raise InvalidInput("The text is empty. Write the answer before saving.")
    if len(text) > MAX_BODY:
        raise InvalidInput(f"The text is too long ({len(text)} characters; at most {MAX_BODY}).")
    return text


def clean_comment(comment: Optional[str]) -> str:
    text = normalise(comment or "")
    if not text:
        raise InvalidInput("Write a comment that tells the author what to change.")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"The comment is too long (at most {MAX_COMMENT} characters).")
    return text


# --- lookups -------------------------------------------------------------------------------
def _check_target(store: KnowledgeStore, slug: str, aspect: str) -> None:
    if aspect not in ASPECTS:
        raise WorkflowError(f"There is no aspect '{aspect}'.")
    try:
        store.topic(slug)
    except UnknownTopic:
        raise WorkflowError("There is no such topic.") from None


def _version(store: KnowledgeStore, slug: str, aspect: str, number: int) -> AnswerText:
    try:
        return store.version(slug, aspect, number)
    except UnknownVersion:
        raise WorkflowError(f"There is no version {number} of this text.") from None


def _require_newest(store: KnowledgeStore, text: AnswerText) -> None:
    latest = store.latest(text.topic.slug, text.aspect)
    if latest is not None and latest.version != text.version:
        raise WorkflowError(f"Version {text.version} has been replaced by version {latest.version}; "
                            "reload the page and work on the newest version.")


def _require_hash(text: AnswerText, expected_hash: Optional[str]) -> None:
    if expected_hash is not None and expected_hash != text.content_hash:
        raise WorkflowError("The text changed since you opened it. Reload the page and read it again.")


def _staff(session: Session, username: str) -> StaffUser:
    """The acting account; only active editors and admins change answer texts."""
    user = session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
    if user is None or not user.active or user.role not in REVIEWER_ROLES:
        raise WorkflowError("Only an active editor or administrator account can change answer texts.")
    return user


def _audit(session: Session, actor: str, action: str, text: AnswerText, **detail) -> None:
    audit.record(session, actor, action, "answer_text", text.id, slug=text.topic.slug, aspect=text.aspect,
                 version=text.version, **detail)


def open_version(store: KnowledgeStore, slug: str, aspect: str) -> Optional[AnswerText]:
    """The draft or in-review version being worked on, if the newest version is one."""
    latest = store.latest(slug, aspect)
    return latest if latest is not None and latest.status in OPEN_STATUSES else None


def superseded(text: AnswerText, latest_version: int) -> bool:
    """A draft or review that a newer version replaced; it stays only as history."""
    return text.status in OPEN_STATUSES and text.version < latest_version


def may_approve(text: AnswerText, username: str) -> bool:
    """The two-person rule: neither the author nor the submitter approves their own text."""
    return username not in (text.author, text.submitted_by)


# --- the workflow --------------------------------------------------------------------------
def save_draft(session: Session, actor: str, slug: str, aspect: str, body: str,
               provenance: Optional[Provenance] = None) -> AnswerText:
    """Keep the editor's text as a draft: their own open draft is updated in place, otherwise a
    new draft version is made on top of the newest one."""
    _staff(session, actor)
    store = KnowledgeStore(session)
    _check_target(store, slug, aspect)
    body = clean_body(body)
    latest = store.latest(slug, aspect)
    if latest is not None and latest.status == "in_review":
        raise WorkflowError(f"Version {latest.version} is waiting for review and cannot be edited. "
                            "Send it back with a comment first, then edit it.")
    if latest is not None and latest.status == "draft" and latest.author == actor:
        latest.body, latest.content_hash = body, content_hash(body)
        if provenance is not None:
            _apply(latest, provenance)
        session.flush()
        _audit(session, actor, "content.draft", latest, in_place=True)
        return latest
    if latest is not None and _same(latest, body, provenance):
        raise WorkflowError(f"Nothing changed from version {latest.version}.")
    text = store.add_version(slug, aspect, body, author=actor, status="draft", origin="editor")
    if provenance is not None:
        _apply(text, provenance)
        session.flush()
    _audit(session, actor, "content.draft", text, in_place=False)
    return text


def _apply(text: AnswerText, provenance: Provenance) -> None:
    text.sources = "\n".join(provenance.sources)
    text.last_reviewed, text.review_due = provenance.last_reviewed, provenance.review_due


def _same(text: AnswerText, body: str, provenance: Optional[Provenance]) -> bool:
    if text.content_hash != content_hash(body):
        return False
    return provenance is None or (
        text.sources.splitlines() == provenance.sources
        and text.last_reviewed == provenance.last_reviewed and text.review_due == provenance.review_due)


def _current(session: Session, actor: str, slug: str, aspect: str, version: int, expected_hash: Optional[str],
             status: str, refusal: str) -> AnswerText:
    """The version a review step acts on: the actor is staff, it has ``status``, it is the newest, and
    it is the text the actor saw (``expected_hash``)."""
    _staff(session, actor)
    store = KnowledgeStore(session)
    text = _version(store, slug, aspect, version)
    if text.status != status:
        raise WorkflowError(f"{refusal}; version {version} is {_label(text.status)}.")
    _require_newest(store, text)
    _require_hash(text, expected_hash)
    return text


def submit(session: Session, actor: str, slug: str, aspect: str, version: int,
           expected_hash: Optional[str] = None) -> AnswerText:
    """Ask a second editor to review a draft (draft -> in_review)."""
    text = _current(session, actor, slug, aspect, version, expected_hash, "draft",
                    "Only a draft can be sent for review")
    text.status, text.submitted_by, text.submitted_at = "in_review", actor, utcnow()
    session.flush()
    _audit(session, actor, "content.submit", text)
    return text


def approve(session: Session, actor: str, slug: str, aspect: str, version: int,
            expected_hash: Optional[str] = None) -> AnswerText:
    """Publish a reviewed text (in_review -> published); the bot says it from its next message."""
    text = _current(session, actor, slug, aspect, version, expected_hash, "in_review",
                    "Only a text in review can be approved")
    if not may_approve(text, actor):
        raise WorkflowError("You wrote or submitted this version, so you cannot approve it. "
                            "A second editor must review and approve it (two-person rule).")
    now = utcnow()
    text.status, text.approved_by, text.reviewed_by = "published", actor, actor
    text.reviewed_at = text.published_at = now
    session.flush()
    _audit(session, actor, "content.publish", text)
    return text


def send_back(session: Session, actor: str, slug: str, aspect: str, version: int, comment: str,
              expected_hash: Optional[str] = None) -> AnswerText:
    """Return a text in review to its author with a comment (in_review -> draft)."""
    comment = clean_comment(comment)
    text = _current(session, actor, slug, aspect, version, expected_hash, "in_review",
                    "Only a text in review can be sent back")
    text.status, text.comment, text.reviewed_by, text.reviewed_at = "draft", comment, actor, utcnow()
    session.flush()
    _audit(session, actor, "content.send_back", text)
    return text


def rollback(session: Session, actor: str, slug: str, aspect: str, version: int) -> AnswerText:
    """Make an older published text live again as a new published version that copies it.

    A text still in review is returned to draft, since the rollback replaced what it was based on.
    """
    _staff(session, actor)
    store = KnowledgeStore(session)
    target = _version(store, slug, aspect, version)
    if target.status != "published":
        raise WorkflowError(f"Only a text that was published can be restored; version {version} "
                            f"is {_label(target.status)}.")
    live = store.published_answer(slug, aspect)
    if live is not None and (live.version == target.version or content_hash(live.body) == target.content_hash):
        raise WorkflowError(f"Version {version} is already the text patients get.")
    pending = open_version(store, slug, aspect)
    now = utcnow()
    if pending is not None and pending.status == "in_review":
        pending.status, pending.reviewed_by, pending.reviewed_at = "draft", actor, now
        pending.comment = f"Returned to draft: version {version} was restored while this was in review."
        _audit(session, actor, "content.send_back", pending, reason="rollback")
    text = store.add_version(slug, aspect, target.body, author=actor, status="published", origin="editor",
                             approved_by=target.approved_by or target.author)
    _apply(text, Provenance(target.sources.splitlines(), target.last_reviewed, target.review_due))
    text.rolled_back_from = target.version
    session.flush()
    _audit(session, actor, "content.rollback", text, rolled_back_from=target.version)
    return text


def _label(status: str) -> str:
    return {"in_review": "in review"}.get(status, status)


def sources_of(text: AnswerText) -> List[str]:
    return [line for line in (text.sources or "").splitlines() if line.strip()]


def provenance_of(text: AnswerText) -> Provenance:
    return Provenance(sources_of(text), text.last_reviewed, text.review_due)

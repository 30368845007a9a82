"""Editor pages: the list of answer texts, the edit page with a patient's-eye preview, the review
workflow (``assistant.knowledge.workflow`` does the work) and each text's history, diff and rollback.
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from assistant.knowledge import workflow
from assistant.knowledge.aspects import ASPECTS
from assistant.knowledge.readability import GRADE_TARGET, grade
from assistant.knowledge.render import render_bubbles, warnings
from assistant.knowledge.store import KnowledgeStore, UnknownTopic, UnknownVersion
from assistant.knowledge.textdiff import changed, word_diff
from assistant.portal.auth import role_required
from assistant.portal.database import db
from assistant.tables import TOPIC_KINDS

blueprint = Blueprint("editor", __name__, url_prefix="/staff/content")

STATUS_LABELS = {"published": "Published", "draft": "Draft", "in_review": "In review"}
ACTIONS = ("save", "submit", "approve", "send_back", "preview")
DONE = {
    "save": "Draft saved (version {version}). It is not live until a second editor approves it.",
    "submit": "Version {version} is sent for review. A second editor must approve it.",
    "approve": "Version {version} is published. The assistant uses it from the next message.",
    "send_back": "Version {version} is sent back to its author as a draft with your comment.",
}


@blueprint.context_processor
def _today() -> dict:
    return {"today": date.today()}


def readability(body: str) -> dict:
    """The Flesch-Kincaid grade against the target, for the page and the preview endpoint."""
    value = round(grade(body), 1) if body.strip() else 0.0
    return {"grade": value, "target": GRADE_TARGET, "over": value > GRADE_TARGET}


# --- list ----------------------------------------------------------------------------------
@blueprint.route("/")
@role_required("editor")
def texts():
    rows = KnowledgeStore(db()).statuses()
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    query = " ".join(request.args.get("q", "").split())[:100]
    today = date.today()
    me = current_user.username
    overdue = [r for r in rows if r.review_due is not None and r.review_due < today]
    waiting = [r for r in rows if r.latest_status == "in_review" and me not in (r.author, r.submitted_by)]
    shown = [r for r in rows
             if (status not in STATUS_LABELS or r.latest_status == status)
             and (kind not in TOPIC_KINDS or r.kind == kind)
             and (not query or query.casefold() in r.title.casefold() or query.casefold() in r.slug)]
    return render_template("editor/texts.html", rows=shown, total=len(rows), overdue=overdue, waiting=waiting,
                           status=status if status in STATUS_LABELS else "", kind=kind if kind in TOPIC_KINDS else "",
                           query=query, kinds=TOPIC_KINDS, statuses=STATUS_LABELS)


# --- preview -------------------------------------------------------------------------------
@blueprint.route("/preview", methods=["POST"])
@role_required("editor")
def preview():
    """Rendered chat bubbles and readability for unsaved text (editor.js posts here as you type)."""
    body = request.form.get("body", "")
    if len(body) > workflow.MAX_BODY * 2:
        return jsonify(error="The text is too long to preview."), 400
    return jsonify(bubbles=render_bubbles(body), warnings=warnings(body), **readability(body))


# --- edit and workflow ---------------------------------------------------------------------
def _target(slug: str, aspect: str):
    store = KnowledgeStore(db())
    if aspect not in ASPECTS:
        abort(404)
    try:
        topic = store.topic(slug)
    except UnknownTopic:
        abort(404)
    return store, topic


def _live(store: KnowledgeStore, slug: str, aspect: str):
    answer = store.published_answer(slug, aspect)
    return store.version(slug, aspect, answer.version) if answer else None


def _edit_page(slug: str, aspect: str, *, body: Optional[str] = None, form=None, error: Optional[str] = None,
               status: int = 200):
    store, topic = _target(slug, aspect)
    latest = store.latest(slug, aspect)
    live = _live(store, slug, aspect)
    in_review = latest is not None and latest.status == "in_review"
    # A text in review is shown as stored, whatever a refused form carried: it is what gets approved.
    shown = latest.body if in_review else body if body is not None else (latest.body if latest else "")
    source = latest or live
    fields = {
        "sources": form.get("sources", "") if form else "\n".join(workflow.sources_of(source)) if source else "",
        "last_reviewed": form.get("last_reviewed", "") if form else (
            source.last_reviewed.isoformat() if source and source.last_reviewed else ""),
        "review_due": form.get("review_due", "") if form else (
            source.review_due.isoformat() if source and source.review_due else ""),
        "comment": form.get("comment", "") if form else "",
    }
    me = current_user.username
    return render_template(
        "editor/edit.html", topic=topic, aspect=aspect, latest=latest, live=live, body=shown, fields=fields,
        bubbles=render_bubbles(shown), warnings=warnings(shown), readability=readability(shown),
        in_review=in_review, can_approve=in_review and workflow.may_approve(latest, me),
        statuses=STATUS_LABELS, error=error, overdue=bool(source and source.review_due
                                                          and source.review_due < date.today()),
    ), status


def _form_version() -> int:
    value = request.form.get("version", "")
    if not value.isdigit() or len(value) > 9:
        raise workflow.InvalidInput("The form is missing the version it was about. Reload the page.")
    return int(value)


def _submit(session, me: str, slug: str, aspect: str, form) -> object:
    """Save what is in the form if it differs from the open draft, then send it for review."""
    store = KnowledgeStore(session)
    provenance = workflow.parse_provenance(form.get("sources"), form.get("last_reviewed"), form.get("review_due"))
    body = workflow.clean_body(form.get("body"))
    latest = store.latest(slug, aspect)
    unchanged = latest is not None and latest.status == "draft" and latest.body == body \
        and workflow.provenance_of(latest) == provenance
    text = latest if unchanged else workflow.save_draft(session, me, slug, aspect, body, provenance)
    return workflow.submit(session, me, slug, aspect, text.version)


@blueprint.route("/<slug>/<aspect>", methods=["GET", "POST"])
@role_required("editor")
def edit(slug: str, aspect: str):
    _target(slug, aspect)
    if request.method == "GET":
        return _edit_page(slug, aspect)
    form = request.form
    action = form.get("action", "")
    if action not in ACTIONS:
        return _edit_page(slug, aspect, body=form.get("body"), form=form, status=400,
                          error="Choose what to do: save, submit, approve, send back or preview.")
    if action == "preview":
        return _edit_page(slug, aspect, body=form.get("body", ""), form=form)
    session, me = db(), current_user.username
    try:
        if action == "save":
            provenance = workflow.parse_provenance(form.get("sources"), form.get("last_reviewed"),
                                                   form.get("review_due"))
            text = workflow.save_draft(session, me, slug, aspect, form.get("body", ""), provenance)
        elif action == "submit":
            text = _submit(session, me, slug, aspect, form)
        elif action == "approve":
            text = workflow.approve(session, me, slug, aspect, _form_version(), form.get("hash"))
        else:
            text = workflow.send_back(session, me, slug, aspect, _form_version(), form.get("comment", ""),
                                      form.get("hash"))
    except workflow.WorkflowError as refusal:
        session.rollback()
        status = 400 if isinstance(refusal, workflow.InvalidInput) else 409
        return _edit_page(slug, aspect, body=form.get("body"), form=form, error=str(refusal), status=status)
    except IntegrityError:
        session.rollback()
        return _edit_page(slug, aspect, body=form.get("body"), form=form, status=409,
                          error="Someone else saved this text at the same moment. Reload the page and try again.")
    flash(DONE[action].format(version=text.version), "success")
    return redirect(url_for("editor.edit", slug=slug, aspect=aspect), 303)


# --- history, diff, rollback ---------------------------------------------------------------
@blueprint.route("/<slug>/<aspect>/history")
@role_required("editor")
def history(slug: str, aspect: str):
    store, topic = _target(slug, aspect)
    versions = store.versions(slug, aspect)
    if not versions:
        abort(404)
    live = _live(store, slug, aspect)
    latest = versions[-1].version
    by_number = {v.version: v for v in versions}
    return render_template("editor/history.html", topic=topic, aspect=aspect, versions=list(reversed(versions)),
                           live=live, latest=latest, by_number=by_number, statuses=STATUS_LABELS,
                           superseded=workflow.superseded)


@blueprint.route("/<slug>/<aspect>/diff/<int:version>")
@role_required("editor")
def diff(slug: str, aspect: str, version: int):
    store, topic = _target(slug, aspect)
    try:
        new = store.version(slug, aspect, version)
    except UnknownVersion:
        abort(404)
    against = request.args.get("against", "")
    base_number = int(against) if against.isdigit() and len(against) < 10 else version - 1
    try:
        old = store.version(slug, aspect, base_number) if base_number >= 1 else None
    except UnknownVersion:
        abort(404)
    parts = word_diff(old.body if old else "", new.body)
    return render_template("editor/diff.html", topic=topic, aspect=aspect, new=new, old=old, parts=parts,
                           changed=changed(parts), bubbles=render_bubbles(new.body), statuses=STATUS_LABELS)


@blueprint.route("/<slug>/<aspect>/rollback/<int:version>", methods=["POST"])
@role_required("editor")
def rollback(slug: str, aspect: str, version: int):
    _target(slug, aspect)
    session = db()
    try:
        text = workflow.rollback(session, current_user.username, slug, aspect, version)
    except workflow.WorkflowError as refusal:
        session.rollback()
        return render_template("error.html", code=409, title="Not rolled back", message=str(refusal)), 409
    flash(f"Version {version} is live again as version {text.version}. "
          "The assistant uses it from the next message.", "success")
    return redirect(url_for("editor.history", slug=slug, aspect=aspect), 303)

"""Nurse pages: the review queue (with its self-refreshing table), the flag page, and acknowledging,
resolving and noting flags. Thin views over ``assistant.review``; every view and change is audited."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask import (
    Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session as cookie, url_for,
)
from flask_login import current_user
from werkzeug.routing import BuildError

from assistant.portal.auth import role_required
from assistant.portal.database import db
from assistant.review import changes
from assistant.review.detail import flag_detail
from assistant.review.levels import QUEUE_LEVELS, STATUS_FILTERS
from assistant.review.queue import SORTS, QueuePage, QueueQuery, as_utc, load_queue, record_view
from assistant.review.targets import describe, load_targets
from assistant.staff import audit

blueprint = Blueprint("nurse", __name__, url_prefix="/staff")
SEEN_KEY = "queue_seen"  # per view of the queue: the signature of what was last shown (and audited)
SEEN_LIMIT = 12


@blueprint.context_processor
def _helpers():
    return {"patient_href": patient_href, "duration": describe, "when": when, "levels": QUEUE_LEVELS,
            "status_filters": STATUS_FILTERS, "sorts": SORTS}


def patient_href(patient_id: int) -> str:
    """The patient page, whether or not the patients blueprint has its detail route yet."""
    try:
        return url_for("patients.detail", patient_id=patient_id)
    except BuildError:
        return f"/staff/patients/{int(patient_id)}"


def when(moment: Optional[datetime]) -> str:
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _page() -> QueuePage:
    query = QueueQuery.from_args(request.args)
    return load_queue(db(), query, per_page=current_app.config.get("QUEUE_PAGE_SIZE", 25))


def _remember(page: QueuePage) -> bool:
    """Store what this view of the queue shows; True when it differs from what was shown before."""
    seen = dict(cookie.get(SEEN_KEY) or {})
    changed = seen.get(page.query.key) != page.signature
    if changed:
        seen.pop(page.query.key, None)
        seen[page.query.key] = page.signature
        while len(seen) > SEEN_LIMIT:
            seen.pop(next(iter(seen)))
        cookie[SEEN_KEY] = seen
    return changed


@blueprint.route("/queue")
@role_required("nurse")
def queue():
    page = _page()
    record_view(db(), current_user.username, page, refresh=False)
    _remember(page)
    return render_template("nurse/queue.html", page=page, targets=load_targets(),
                           refresh_seconds=current_app.config.get("QUEUE_REFRESH_SECONDS", 15))


@blueprint.route("/queue/items")
@role_required("nurse")
def queue_items():
    """What queue.js polls: the counts, table and pages as HTML (rendered and escaped here), plus ids.
    Audited only when the shown items changed since this view was last shown."""
    page = _page()
    changed = _remember(page)
    if changed:
        record_view(db(), current_user.username, page, refresh=True)
    return jsonify(html=render_template("nurse/_queue_body.html", page=page), signature=page.signature,
                   group_ids=page.group_ids, total=page.total, counts=page.counts, overdue=page.overdue,
                   changed=changed, summary=_summary(page))


def _summary(page: QueuePage) -> str:
    """What the live region reads out: counts only, never a patient or their words."""
    parts = [f"{page.counts.get(level, 0)} {level}" for level in QUEUE_LEVELS]
    text = f"{page.total} items shown; " + ", ".join(parts)
    return text + (f"; {page.overdue} overdue" if page.overdue else "")


@blueprint.route("/flags/<int:flag_id>")
@role_required("nurse")
def flag(flag_id: int):
    detail = flag_detail(db(), flag_id)
    if detail is None:
        abort(404)
    audit.record(db(), current_user.username, "flag.view", "flag", flag_id, patient_id=detail.flag.patient_id,
                 group_id=detail.group_id)
    return render_template("nurse/flag.html", d=detail, back=_next_url(default=url_for("nurse.queue")))


def _next_url(default: str) -> str:
    """Only same-site staff paths, so a crafted form cannot send a nurse elsewhere."""
    target = request.values.get("next", "")
    if target.startswith("/staff/") and "//" not in target and "\\" not in target and len(target) < 500:
        return target
    return default


def _change(flag_id: int, action: str):
    session = db()
    note = request.form.get("note", "")
    back = _next_url(default=url_for("nurse.flag", flag_id=flag_id))
    try:
        if action == "acknowledge":
            done = changes.acknowledge(session, flag_id, current_user.username, note)
            flash(f"Acknowledged: {len(done.flag_ids)} flag{'s' if len(done.flag_ids) != 1 else ''}.", "success")
        elif action == "resolve":
            done = changes.resolve(session, flag_id, current_user.username, note)
            flash(f"Resolved: {len(done.flag_ids)} flag{'s' if len(done.flag_ids) != 1 else ''}.", "success")
        else:
            changes.add_note(session, flag_id, current_user.username, note)
            flash("Note added.", "success")
    except changes.FlagChangeError as error:
        known = error.status != 404
        if not known:
            back = _next_url(default=url_for("nurse.queue"))
        return render_template("nurse/change_error.html", message=error.message, flag_id=flag_id, back=back,
                               known=known), error.status
    return redirect(back, code=303)


@blueprint.route("/flags/<int:flag_id>/acknowledge", methods=["POST"])
@role_required("nurse")
def acknowledge(flag_id: int):
    return _change(flag_id, "acknowledge")


@blueprint.route("/flags/<int:flag_id>/resolve", methods=["POST"])
@role_required("nurse")
def resolve(flag_id: int):
    return _change(flag_id, "resolve")


@blueprint.route("/flags/<int:flag_id>/note", methods=["POST"])
@role_required("nurse")
def note(flag_id: int):
    return _change(flag_id, "note")

"""Nurse pages about patients: the list, enrolment and codes, linking a conversation, the patient page
(diary timeline and chart, flags with the conversation around them, treatments) and the printable
pre-visit summary. Thin views over ``assistant.patients``; every view and change is audited."""
from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime, timezone
from typing import Optional

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.routing import BuildError
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from assistant.conversations import ConversationStore, evidence_pattern
from assistant.patients import directory
from assistant.patients.identity import (
    EnrolmentError, enrol, find_by_clinic_number, issue_code, link_anonymous, revoke_code, senders_of,
)
from assistant.patients.record import load_record
from assistant.patients.summary import build_summary
from assistant.diary.trends import AFTER_TREATMENT_DAYS, BEFORE_TREATMENT_DAYS
from assistant.portal.auth import role_required
from assistant.portal.charts import PainPoint, pain_chart_svg
from assistant.portal.database import db
from assistant.staff import audit
from assistant.tables import EnrolmentCode, Patient, as_utc

blueprint = Blueprint("patients", __name__, url_prefix="/staff/patients")
PAGE_SIZE = 25


# --- helpers for the templates -------------------------------------------------------------------
def when(moment: Optional[datetime]) -> str:
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def highlight(text: str, evidence: str, *, whole: bool = False) -> Markup:
    """``text`` escaped, with every occurrence of ``evidence`` (any case, any spacing) wrapped in <mark>.
    Each piece is escaped on its own, so nothing in the text or the evidence can become markup.
    With ``whole``, the entire text is marked when the evidence is not in it (the flagged message)."""
    text = text or ""
    pattern = evidence_pattern(evidence)
    pieces, last = [], 0
    for match in pattern.finditer(text) if pattern else ():
        pieces.append(escape(text[last:match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % text[match.start():match.end()])
        last = match.end()
    if not pieces:
        return Markup("<mark>%s</mark>") % text if whole and text else escape(text)
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


def average(value: Optional[float], missing: str = "—") -> str:
    """An average pain score as the pages show it: one decimal, or a dash when there were no entries."""
    return missing if value is None else f"{value:.1f}"


def flag_href(flag_id: int) -> Optional[str]:
    try:
        return url_for("nurse.flag", flag_id=flag_id)
    except BuildError:
        return None


def personal_link(code: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/?code={code}"


@blueprint.context_processor
def _helpers():
    return {"when": when, "highlight": highlight, "flag_href": flag_href, "average": average,
            "treatment_days": {"before": BEFORE_TREATMENT_DAYS, "after": AFTER_TREATMENT_DAYS}}


def _conversations() -> ConversationStore:
    return ConversationStore(current_app.config["TRACKER_STORE_URL"])


def _patient_or_404(patient_id: int) -> Patient:
    patient = db().get(Patient, patient_id)
    if patient is None:
        abort(404)
    return patient


def _chart(entries, treatments, chart_id: str) -> Markup:
    """Our SVG builder escapes every text it draws, so its output may go into the page as is."""
    points = [PainPoint(e.recorded_at, e.leg_pain, e.back_pain) for e in entries]
    markers = [(t.occurred_on, t.title) for t in treatments]
    return Markup(pain_chart_svg(points, 720, 280, treatments=markers, chart_id=chart_id))


# --- the list -------------------------------------------------------------------------------------
@blueprint.route("/")
@role_required("nurse")
def index():
    session = db()
    query = directory.clean_query(request.args.get("q"))
    page = request.args.get("page", 1, type=int) or 1
    anon_page = request.args.get("anon_page", 1, type=int) or 1
    enrolled = directory.enrolled_patients(session, query, page=page, per_page=PAGE_SIZE)
    anonymous = directory.anonymous_patients(session, query, page=anon_page, per_page=PAGE_SIZE)
    audit.record(session, current_user.username, "patients.list", "patient", searched=bool(query),
                 page=enrolled.page, anon_page=anonymous.page,
                 patient_ids=[r.id for r in enrolled.rows] + [r.id for r in anonymous.rows])
    return render_template("patients/index.html", q=query, enrolled=enrolled, anonymous=anonymous)


# --- enrolment and codes ---------------------------------------------------------------------------
def _no_control_characters(_form, field) -> None:
    if field.data and any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in field.data):
        raise ValidationError("Remove the invisible or control characters.")


def _plausible_birth_date(_form, field) -> None:
    if field.data and not date(1900, 1, 1) <= field.data <= datetime.now(timezone.utc).date():
        raise ValidationError("Enter a date of birth between 1900 and today.")


class EnrolForm(FlaskForm):
    full_name = StringField("Full name", validators=[
        DataRequired("Enter the patient's full name."), Length(max=200, message="At most 200 characters."),
        _no_control_characters])
    date_of_birth = DateField("Date of birth", format="%Y-%m-%d", validators=[
        DataRequired("Enter the date of birth as YYYY-MM-DD."), _plausible_birth_date])
    clinic_number = StringField("Clinic number", validators=[
        DataRequired("Enter the clinic number."), Length(max=40, message="At most 40 characters."),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9/-]*$", message="Use letters, digits, '-' and '/' only.")])
    phone = StringField("Phone", validators=[
        DataRequired("Enter a phone number."), Length(max=40, message="At most 40 characters."),
        Regexp(r"^\+?[0-9][0-9 ()-]{4,30}$", message="Use digits, spaces, '+', '-' and brackets only.")])

    class Meta:
        csrf = False  # the app-wide CSRFProtect already checked the token of every POST


@blueprint.route("/enrol", methods=["GET", "POST"])
@role_required("nurse")
def enrol_patient():
    form = EnrolForm()
    if request.method == "GET":
        return render_template("patients/enrol.html", form=form)
    if form.validate():
        session = db()
        try:
            patient = enrol(session, full_name=form.full_name.data, date_of_birth=form.date_of_birth.data,
                            clinic_number=form.clinic_number.data, phone=form.phone.data,
                            enrolled_by=current_user.username)
        except EnrolmentError:
            form.clinic_number.errors = list(form.clinic_number.errors) + [
                "A patient with this clinic number is already enrolled. Search the list for them instead."]
        else:
            issued = issue_code(session, patient, created_by=current_user.username)
            audit.record(session, current_user.username, "patient.enrol", "patient", patient.id, patient_id=patient.id)
            audit.record(session, current_user.username, "code.issue", "enrolment_code", issued.record.id,
                         patient_id=patient.id)
            return render_template("patients/code.html", patient=patient, code=issued.code,
                                   link=personal_link(issued.code), new_patient=True)
    return render_template("patients/enrol.html", form=form), 400


@blueprint.route("/<int:patient_id>/codes", methods=["POST"])
@role_required("nurse")
def new_code(patient_id: int):
    patient = _patient_or_404(patient_id)
    if not patient.enrolled:
        flash("Only an enrolled patient gets a code. Enrol the patient, then link this conversation.", "error")
        return redirect(url_for("patients.detail", patient_id=patient_id))
    session = db()
    issued = issue_code(session, patient, created_by=current_user.username)
    audit.record(session, current_user.username, "code.issue", "enrolment_code", issued.record.id,
                 patient_id=patient.id)
    return render_template("patients/code.html", patient=patient, code=issued.code, link=personal_link(issued.code),
                           new_patient=False)


@blueprint.route("/<int:patient_id>/codes/<int:code_id>/revoke", methods=["POST"])
@role_required("nurse")
def revoke(patient_id: int, code_id: int):
    session = db()
    record = session.get(EnrolmentCode, code_id)
    if record is None or record.patient_id != patient_id:
        abort(404)
    already = record.revoked_at is not None
    revoke_code(session, code_id, revoked_by=current_user.username)
    if not already:
        audit.record(session, current_user.username, "code.revoke", "enrolment_code", code_id, patient_id=patient_id)
    flash(f"Code ending {record.code_hint} {'was already' if already else 'is now'} revoked.", "success")
    return redirect(url_for("patients.detail", patient_id=patient_id) + "#codes")


@blueprint.route("/<int:patient_id>/link", methods=["POST"])
@role_required("nurse")
def link(patient_id: int):
    """From an enrolled patient's page: an anonymous conversation id. From an anonymous record's page:
    the clinic number of the enrolled patient it belongs to."""
    session = db()
    patient = _patient_or_404(patient_id)
    if patient.enrolled:
        target, sender_id = patient, (request.form.get("sender_id") or "").strip()[:128]
    else:
        target = find_by_clinic_number(session, request.form.get("clinic_number", "")[:40])
        senders = senders_of(session, patient.id)
        sender_id = senders[0] if senders else ""
        if target is None:
            flash("No enrolled patient has that clinic number.", "error")
            return redirect(url_for("patients.detail", patient_id=patient_id) + "#link")
    try:
        source_id = link_anonymous(session, sender_id, target, linked_by=current_user.username)
    except EnrolmentError as error:
        flash(f"Not linked: {error}.", "error")
        return redirect(url_for("patients.detail", patient_id=patient_id) + "#link")
    audit.record(session, current_user.username, "patient.link_sender", "patient", target.id, patient_id=target.id,
                 from_patient_id=source_id)
    flash("The conversation is linked; its diary entries and flags are now on this record.", "success")
    return redirect(url_for("patients.detail", patient_id=target.id))


# --- the patient page and the summary -------------------------------------------------------------
@blueprint.route("/<int:patient_id>")
@role_required("nurse")
def detail(patient_id: int):
    session = db()
    record = load_record(session, patient_id, _conversations())
    if record is None:
        abort(404)
    audit.record(session, current_user.username, "patient.view", "patient", patient_id, patient_id=patient_id)
    return render_template("patients/detail.html", r=record, p=record.patient,
                           chart=_chart(record.entries_oldest_first, record.treatments, "patient-chart"))


def _summary(patient_id: int, fmt: str):
    session = db()
    data = build_summary(session, patient_id, _conversations())
    if data is None:
        abort(404)
    audit.record(session, current_user.username, "patient.summary", "patient", patient_id, patient_id=patient_id,
                 format=fmt)
    return data


@blueprint.route("/<int:patient_id>/summary")
@role_required("nurse")
def summary(patient_id: int):
    data = _summary(patient_id, "html")
    diary = data["diary"]
    points = [PainPoint(datetime.fromisoformat(p["at"]), p["leg_pain"], p["back_pain"]) for p in diary["points"]]
    first = points[0].at if points else None
    markers = [(date.fromisoformat(t["occurred_on"]), t["title"]) for t in data["treatments"]
               if first is None or date.fromisoformat(t["occurred_on"]) >= first.date()]
    chart = Markup(pain_chart_svg(points, 720, 260, treatments=markers if points else (), chart_id="summary-chart"))
    return render_template("patients/summary.html", s=data, chart=chart, date_of=_date_of)


@blueprint.route("/<int:patient_id>/summary.json")
@role_required("nurse")
def summary_json(patient_id: int):
    data = _summary(patient_id, "json")
    return Response(_json(data), mimetype="application/json")


def _json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _date_of(iso: Optional[str]) -> str:
    """An ISO timestamp from the summary, as the printed page shows it."""
    if not iso:
        return ""
    if "T" not in iso:
        return iso
    return when(datetime.fromisoformat(iso))

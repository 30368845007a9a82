"""Admin pages: staff users, the audit log, and a patient's data export and deletion."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assistant.numbers import whole_number
from assistant.patients.privacy import delete_patient, export_patient
from assistant.portal.auth import role_required
from assistant.portal.database import db
from assistant.staff import audit
from assistant.staff.accounts import AccountError, create_user, list_users, set_active
from assistant.tables import STAFF_ROLES, Patient

blueprint = Blueprint("admin", __name__, url_prefix="/staff/admin")


def _conversations():
    from assistant.conversations import ConversationStore
    return ConversationStore(current_app.config["TRACKER_STORE_URL"])


@blueprint.route("/users", methods=["GET", "POST"])
@role_required()
def users():
    session = db()
    if request.method == "POST":
        form = request.form
        try:
            user = create_user(session, form.get("username", ""), form.get("password", ""), form.get("role", ""),
                               form.get("display_name", ""))
        except AccountError as error:
            flash(str(error), "error")
            return render_template("admin/users.html", users=list_users(session), roles=STAFF_ROLES,
                                   form=form), 400
        audit.record(session, current_user.username, "user.create", "staff_user", user.id, role=user.role)
        flash(f"Account {user.username} created.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/users.html", users=list_users(session), roles=STAFF_ROLES, form={})


@blueprint.route("/users/<username>/<any(enable, disable):verb>", methods=["POST"])
@role_required()
def set_user_active(username: str, verb: str):
    if verb == "disable" and username == current_user.username:
        flash("You cannot disable your own account.", "error")
        return redirect(url_for("admin.users"))
    session = db()
    try:
        user = set_active(session, username, verb == "enable")
    except AccountError:
        abort(404)
    audit.record(session, current_user.username, f"user.{verb}", "staff_user", user.id)
    flash(f"Account {user.username} {verb}d.", "success")
    return redirect(url_for("admin.users"))


@blueprint.route("/audit")
@role_required()
def audit_log():
    args = request.args
    patient = args.get("patient", "").strip()
    page = audit.search(db(), actor=args.get("actor", "").strip() or None, action=args.get("action", "").strip() or None,
                        patient_id=whole_number(patient),
                        page=whole_number(args.get("page"), max_digits=6) or 1)
    return render_template("admin/audit.html", page=page, detail_of=audit.detail_of, filters=args)


def _patient_or_404(patient_id: int) -> Patient:
    patient = db().get(Patient, patient_id)
    if patient is None:
        abort(404)
    return patient


@blueprint.route("/patients/<int:patient_id>/privacy")
@role_required()
def privacy(patient_id: int):
    patient = _patient_or_404(patient_id)
    audit.record(db(), current_user.username, "patient.privacy_view", "patient", patient.id, patient_id=patient.id)
    return render_template("admin/privacy.html", patient=patient)


@blueprint.route("/patients/<int:patient_id>/export.json")
@role_required()
def export(patient_id: int):
    _patient_or_404(patient_id)
    session = db()
    data = export_patient(session, patient_id, _conversations())
    audit.record(session, current_user.username, "patient.export", "patient", patient_id, patient_id=patient_id)
    return Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=patient-{patient_id}.json"})


@blueprint.route("/patients/<int:patient_id>/delete", methods=["POST"])
@role_required()
def delete(patient_id: int):
    patient = _patient_or_404(patient_id)
    expected = patient.clinic_number or f"patient-{patient.id}"
    if request.form.get("confirm", "").strip() != expected:
        flash(f"Type {expected} to confirm the deletion.", "error")
        return redirect(url_for("admin.privacy", patient_id=patient_id))
    session = db()
    report = delete_patient(session, patient_id, _conversations())
    audit.record(session, current_user.username, "patient.delete", "patient", patient_id, patient_id=patient_id,
                 **{k: v for k, v in report.as_dict().items() if k != "patient_id"})
    flash(f"All data of patient {patient_id} was deleted.", "success")
    return redirect(url_for("admin.audit_log", patient=patient_id))

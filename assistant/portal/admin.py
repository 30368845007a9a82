"""Admin pages: staff users, the audit log, and a patient's data export and deletion."""
from __future__ import annotations

from flask import Blueprint, render_template

from assistant.portal.auth import role_required

blueprint = Blueprint("admin", __name__, url_prefix="/staff/admin")


@blueprint.route("/users")
@role_required()
def users():
    return render_template("admin/users.html")


@blueprint.route("/audit")
@role_required()
def audit_log():
    return render_template("admin/audit.html")

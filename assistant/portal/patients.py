"""Nurse pages about one patient: the list, enrolment and codes, the diary timeline and chart, flags
with their evidence and conversation, the pre-visit summary. (Being built: see issue 4.)"""
from __future__ import annotations

from flask import Blueprint, render_template

from assistant.portal.auth import role_required

blueprint = Blueprint("patients", __name__, url_prefix="/staff/patients")


@blueprint.route("/")
@role_required("nurse")
def index():
    return render_template("patients/index.html")

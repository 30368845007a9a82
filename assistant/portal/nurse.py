"""Nurse pages: the review queue and flag changes (acknowledge, resolve, notes). (Being built: see issue 4.)"""
from __future__ import annotations

from flask import Blueprint, render_template

from assistant.portal.auth import role_required

blueprint = Blueprint("nurse", __name__, url_prefix="/staff")


@blueprint.route("/queue")
@role_required("nurse")
def queue():
    return render_template("nurse/queue.html")

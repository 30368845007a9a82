"""Editor pages: answer texts, their review workflow and history. (Being built: see issue 4.)"""
from __future__ import annotations

from flask import Blueprint, render_template

from assistant.portal.auth import role_required

blueprint = Blueprint("editor", __name__, url_prefix="/staff/content")


@blueprint.route("/")
@role_required("editor")
def texts():
    return render_template("editor/texts.html")

"""The staff portal (and, at ``/``, the patient page): one Flask app on the bot's own services.

``create_app(config)`` builds it; ``assistant serve`` runs it with waitress on
``ASSISTANT_PORTAL_PORT`` (8000). Blueprints: ``auth`` (login), ``nurse`` (queue and flags), ``patients``
(patient pages, enrolment, summaries), ``editor`` (answer texts), ``admin`` (users, audit log, privacy).
"""
from __future__ import annotations

import os
import secrets
from typing import Any, Mapping, Optional

from flask import Flask
from werkzeug.routing import IntegerConverter

from assistant.config import PROJECT_ROOT, load_settings


def _secret_key() -> str:
    """ASSISTANT_SECRET_KEY, or one generated once into var/ (never committed)."""
    key = os.environ.get("ASSISTANT_SECRET_KEY")
    if key:
        return key
    path = PROJECT_ROOT / "var" / "portal_secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` in our URLs is a database id: one beyond a 64-bit integer names no record (404),
    instead of overflowing the database driver (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: Optional[Mapping[str, Any]] = None) -> Flask:
    settings = load_settings()
    app = Flask(__name__)
    app.url_map.converters["int"] = RecordIdConverter
    app.config.update(
        DATABASE_URL=settings.database_url,
        TRACKER_STORE_URL=os.environ.get("RASA_TRACKER_STORE_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'rasa_tracker.db'}",
        ALERT_WEBHOOK_URL=os.environ.get("ASSISTANT_ALERT_WEBHOOK_URL") or None,
        PUBLIC_URL=os.environ.get("ASSISTANT_PUBLIC_URL") or f"http://{settings.host}:{settings.portal_port}",
        RASA_URL=os.environ.get("ASSISTANT_RASA_PUBLIC_URL") or f"http://{settings.host}:{settings.rasa_port}",
        SECRET_KEY=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=os.environ.get("ASSISTANT_COOKIE_SECURE", "false").lower() == "true",
        SESSION_COOKIE_NAME="staff_session",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=256 * 1024,
        QUEUE_PAGE_SIZE=25,
    )
    if config:
        app.config.update(config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key()

    from assistant.portal import admin, auth, database, editor, nurse, patients, security
    from assistant.portal import public

    database.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(nurse.blueprint)
    app.register_blueprint(patients.blueprint)
    app.register_blueprint(editor.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(public.blueprint)
    _register_error_pages(app)

    @app.route("/healthz")
    def healthz():
        return {"status": "ok"}
    return app


ERROR_PAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "Your role does not give access to this page."),
    404: ("Not found", "There is no such page or record."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is too large."),
    429: ("Slow down", "Too many requests. Wait a moment and try again."),
}


def _register_error_pages(app: Flask) -> None:
    from flask import render_template
    from flask_wtf.csrf import CSRFError

    def page(code: int, title: str, message: str):
        return render_template("error.html", code=code, title=title, message=message), code

    for code, (title, message) in ERROR_PAGES.items():
        app.register_error_handler(code, lambda _e, c=code, t=title, m=message: page(c, t, m))
    app.register_error_handler(
        CSRFError, lambda _e: page(400, "Form expired", "The form was missing its security token or it expired. "
                                                        "Reload the page and try again."))

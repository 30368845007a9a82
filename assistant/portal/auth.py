"""Login, logout and the role check every staff route goes through."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from assistant.numbers import whole_number
from assistant.portal.database import db
from assistant.staff import audit
from assistant.staff.accounts import authenticate
from assistant.tables import StaffUser

blueprint = Blueprint("auth", __name__, url_prefix="/staff")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.session_protection = "strong"

HOME_BY_ROLE = {"nurse": "nurse.queue", "editor": "editor.texts", "admin": "nurse.queue"}


class StaffLogin:
    """The logged-in staff member as Flask-Login sees them (no ORM object kept across requests)."""

    def __init__(self, user: StaffUser):
        self.id, self.username, self.role = user.id, user.username, user.role
        self.display_name = user.display_name
        self.is_authenticated, self.is_active, self.is_anonymous = True, bool(user.active), False

    def get_id(self) -> str:
        return str(self.id)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Strict")


@login_manager.user_loader
def _load(user_id: str):
    number = whole_number(user_id)
    user = db().get(StaffUser, number) if number is not None else None
    return StaffLogin(user) if user is not None and user.active else None


def role_required(*roles: str) -> Callable:
    """Log-in plus a role check; admins may see everything. Anything else answers 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        wrapped.allowed_roles = tuple(roles) + ("admin",)
        return wrapped
    return decorator


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=512)])


MESSAGES = {
    "bad": "That username and password do not match.",
    "disabled": "This account is disabled. Ask an administrator.",
    "wait": "Too many failed attempts. Wait {seconds} seconds, then try again.",
    "locked": "This account is locked after too many failed attempts. Try again in {minutes} minutes.",
}


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        session = db()
        result = authenticate(session, form.username.data, form.password.data)
        if result.ok:
            audit.record(session, result.user.username, "login.ok", "staff_user", result.user.id)
            session.commit()
            login_user(StaffLogin(result.user))
            return redirect(_safe_next() or url_for(HOME_BY_ROLE[result.user.role]))
        audit.record(session, (form.username.data or "")[:80], f"login.{result.reason}", "staff_user")
        session.commit()
        flash(MESSAGES[result.reason].format(seconds=result.retry_after, minutes=max(1, result.retry_after // 60)),
              "error")
        status = 429 if result.reason in ("wait", "locked") else 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


def _safe_next() -> str:
    """Only same-site paths, so a crafted link cannot send a nurse elsewhere after login."""
    target = request.args.get("next", "")
    return target if target.startswith("/staff") and "//" not in target and "\\" not in target else ""


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record(db(), current_user.username, "logout", "staff_user", current_user.id)
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/")
@login_required
def home():
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))

"""One database session per request: committed after the view succeeds, rolled back otherwise."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from assistant.db import session_factory


def db() -> Session:
    """This request's session (opened on first use)."""
    if "db_session" not in g:
        g.db_session = session_factory(current_app.config["DATABASE_URL"])()
    return g.db_session


def init_app(app: Flask) -> None:
    @app.after_request
    def _commit(response):
        session = g.pop("db_session", None)
        if session is not None:
            try:
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        return response

    @app.teardown_request
    def _rollback(_error=None):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()

"""Portal fixtures: the Flask app on a real migrated (and seeded) SQLite database, staff accounts
of every role, and a client that logs in the way a browser does (form, CSRF token, cookie)."""
from __future__ import annotations

import re
from typing import Dict

import pytest

from assistant.db import session_scope
from assistant.portal import create_app
from assistant.staff.accounts import create_user

PASSWORD = "correct horse battery"
ROLES = ("nurse", "editor", "admin")


@pytest.fixture
def staff(seeded_db_url) -> Dict[str, str]:
    """One account per role plus a second editor (two-person rule); username by role."""
    names = {"nurse": "nina", "editor": "eddie", "admin": "ada", "editor2": "erin"}
    with session_scope(seeded_db_url) as session:
        for key, username in names.items():
            create_user(session, username, PASSWORD, key.rstrip("2"), display_name=username.title())
    return names


@pytest.fixture
def app(seeded_db_url, staff, tmp_path):
    return create_app({
        "SECRET_KEY": "test-secret", "TESTING": True, "DATABASE_URL": seeded_db_url,
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
    })


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Browser:
    """A test client that fetches each form's CSRF token before posting, like a browser would."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, form_page=None, **kwargs):
        token = csrf_token(self.client.get(form_page or "/staff/login").get_data(as_text=True)) \
            if form_page or url == "/staff/login" else self.token()
        return self.client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)

    def token(self) -> str:
        page = self.client.get("/staff/").headers.get("Location") or "/staff/login"
        return csrf_token(self.client.get(page, follow_redirects=True).get_data(as_text=True))

    def login(self, username, password=PASSWORD):
        return self.post("/staff/login", {"username": username, "password": password})


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def login(app, staff):
    """``login("nurse")`` gives a Browser logged in with that role's account."""
    def make(role: str) -> Browser:
        browser = Browser(app.test_client())
        response = browser.login(staff[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser
    return make

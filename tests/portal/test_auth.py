"""Log-in, log-out, CSRF, lock-out and cookie flags, through the real app and database."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from assistant.db import session_scope
from assistant.staff.accounts import LOCK_AFTER, SLOWDOWN_AFTER, authenticate, pause_after
from assistant.tables import AuditEvent, StaffUser, utcnow
from tests.portal.conftest import PASSWORD


def test_login_lands_on_the_role_home_and_logout_ends_the_session(browser, staff):
    response = browser.login(staff["nurse"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/queue")
    assert browser.get("/staff/queue").status_code == 200
    assert browser.post("/staff/logout").status_code == 302
    assert browser.get("/staff/queue").status_code == 302  # back to the login page


def test_editor_lands_on_the_texts(browser, staff):
    assert browser.login(staff["editor"]).headers["Location"].endswith("/staff/content/")


def test_wrong_password_is_refused_and_audited(browser, staff, seeded_db_url):
    response = browser.login(staff["nurse"], "wrong password!")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    assert browser.get("/staff/queue").status_code == 302
    with session_scope(seeded_db_url) as session:
        actions = list(session.execute(select(AuditEvent.action).where(AuditEvent.actor == staff["nurse"])).scalars())
    assert actions == ["login.bad"]


def test_post_without_csrf_token_is_refused(app, staff):
    client = app.test_client()
    response = client.post("/staff/login", data={"username": staff["nurse"], "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(browser, staff):
    response = browser.login(staff["nurse"])
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("staff_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_repeated_failures_slow_down_then_lock(browser, staff, seeded_db_url):
    statuses = [browser.login(staff["nurse"], "wrong password!").status_code for _ in range(SLOWDOWN_AFTER)]
    assert statuses == [401] * SLOWDOWN_AFTER
    response = browser.login(staff["nurse"])  # right password, but too soon after the failures
    assert response.status_code == 429 and "Wait" in response.get_data(as_text=True)

    with session_scope(seeded_db_url) as session:
        now = utcnow()
        for _ in range(LOCK_AFTER):
            user = session.execute(select(StaffUser).where(StaffUser.username == staff["nurse"])).scalar_one()
            if user.last_failed_at is not None:
                now = now + pause_after(user.failed_logins) + timedelta(seconds=1)
            result = authenticate(session, staff["nurse"], "wrong password!", now=now)
            if result.reason == "locked":
                break
        assert result.reason == "locked"
        assert authenticate(session, staff["nurse"], PASSWORD, now=now + timedelta(minutes=1)).reason == "locked"
        assert authenticate(session, staff["nurse"], PASSWORD, now=now + timedelta(minutes=16)).ok


def test_disabled_account_cannot_log_in(browser, staff, seeded_db_url):
    from assistant.staff.accounts import set_active
    with session_scope(seeded_db_url) as session:
        set_active(session, staff["nurse"], False)
    response = browser.login(staff["nurse"])
    assert response.status_code == 401 and "disabled" in response.get_data(as_text=True)


def test_next_parameter_only_goes_to_staff_pages(app, staff):
    from tests.portal.conftest import Browser
    browser = Browser(app.test_client())
    token_page = browser.get("/staff/login").get_data(as_text=True)
    from tests.portal.conftest import csrf_token
    response = browser.client.post("/staff/login?next=https://evil.example/", data={
        "username": staff["nurse"], "password": PASSWORD, "csrf_token": csrf_token(token_page)})
    assert response.headers["Location"].endswith("/staff/queue")


def test_security_headers_on_staff_pages(browser):
    response = browser.get("/staff/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"

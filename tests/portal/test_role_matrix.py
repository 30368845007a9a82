"""Every route of the portal against every role: a role that may not see a page gets 403, a visitor
who is not logged in is sent to the log-in page, and nothing answers 500.

The expectations are written here by URL area, not read from the code, so a new route that forgets
its role check fails this test."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from assistant.db import session_scope
from assistant.diary.service import DiaryAnswers, save_entry
from assistant.patients.identity import enrol, issue_code, link_sender, patient_for
from assistant.staff.accounts import create_user
from assistant.tables import AnswerText, Flag, Topic
from tests.portal.conftest import PASSWORD, Browser

PUBLIC = ("/staff/login", "/healthz", "/static/", "/", "/start/")
ANY_STAFF = ("/staff/", "/staff/logout")
AREAS = [  # (prefix, roles allowed besides admin)
    ("/staff/admin/", ()),
    ("/staff/content", ("editor",)),
    ("/staff/queue", ("nurse",)),
    ("/staff/flags", ("nurse",)),
    ("/staff/patients", ("nurse",)),
]


def allowed_roles(path: str):
    if path in ANY_STAFF:
        return {"nurse", "editor", "admin"}
    for prefix, roles in AREAS:
        if path.startswith(prefix):
            return set(roles) | {"admin"}
    raise AssertionError(f"route {path} is in no known area: add it to this test's table")


@pytest.fixture
def records(seeded_db_url):
    """A patient with a diary entry, a flag and a code; a throwaway account; a known text."""
    with session_scope(seeded_db_url) as session:
        patient = enrol(session, full_name="Robin Example", date_of_birth=date(1970, 1, 2), clinic_number="RM-1",
                        phone="0100", enrolled_by="test")
        link_sender(session, "matrix-sender", patient, method="nurse", linked_by="test")
        code = issue_code(session, patient, created_by="test").record
        entry = save_entry(session, "matrix-sender", DiaryAnswers(leg_pain=9, back_pain=3, numbness="as_usual",
                                                                   weakness="none", bladder_bowel="no", saddle="no",
                                                                   fever="no", medicines="", side_effects="",
                                                                   sleep="poor", notes=""))
        session.add(Flag(patient_id=patient.id, source_key="message:x", rule_id="test-rule", rule_version=1,
                         level="urgent", category="weakness", evidence="my foot is weaker", assertion="affirmed",
                         status="open"))
        session.flush()
        flag = session.query(Flag).filter_by(source_key="message:x").one()
        flag.group_id = flag.id
        create_user(session, "tmp-user", PASSWORD, "nurse")
        text = session.query(AnswerText).join(Topic).filter(AnswerText.status == "published").first()
        return {"patient_id": patient.id, "flag_id": flag.id, "code_id": code.id, "entry_id": entry.entry_id, "slug": text.topic.slug, "aspect": text.aspect,
                "version": text.version, "other_version": text.version, "username": "tmp-user", "verb": "disable",
                "filename": "portal.css", "group_id": flag.id}


def concrete(rule, records) -> str:
    values = {}
    for name in rule.arguments:
        if name not in records:
            raise AssertionError(f"route {rule.rule} has a parameter '{name}' this test cannot fill: add it")
        values[name] = records[name]
    from flask import url_for
    return url_for(rule.endpoint, **values)


def staff_routes(app):
    """Every route but the public ones and log-out (which ends the session; see test_auth)."""
    return [rule for rule in app.url_map.iter_rules() if rule.rule != "/staff/logout" and not any(rule.rule == p or (p.endswith("/") and p != "/" and rule.rule.startswith(p)) for p in PUBLIC)]


@pytest.mark.parametrize("role", [None, "nurse", "editor", "admin"])
def test_every_staff_route_checks_the_role(app, staff, records, role):
    browser = Browser(app.test_client())
    if role:
        assert browser.login(staff[role]).status_code == 302
    checked = 0
    with app.test_request_context():
        routes = [(rule, concrete(rule, records)) for rule in staff_routes(app)]
    for rule, url in routes:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if role is None:
                response = browser.client.open(url, method=method)
                if method == "GET":
                    assert response.status_code == 302 and "/staff/login" in response.headers["Location"], url
                else:  # no session, so no CSRF token: refused before anything happens
                    assert response.status_code in (302, 400), (method, url, response.status_code)
                checked += 1
                continue
            if method == "GET":
                response = browser.get(url)
            else:
                response = browser.client.open(url, method=method, data={"csrf_token": browser.token()},
                                               headers={"X-CSRFToken": browser.token()})
            status = response.status_code
            path = rule.rule.split("<")[0]
            if role in allowed_roles(path if path in ANY_STAFF else rule.rule):
                assert status not in (401, 403) and status < 500, (role, method, url, status)
                assert "/staff/login" not in response.headers.get("Location", ""), (role, method, url)
            else:
                assert status == 403, (role, method, url, status)
            checked += 1
    assert checked >= 10

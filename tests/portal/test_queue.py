"""The review queue and flag pages through the real app: roles, order, filters, pages, the refresh
endpoint and its audit, acknowledge/resolve forms, refused changes, escaping, alert states."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from assistant.db import session_scope
from assistant.safety.flags import record_flags
from assistant.tables import AlertDelivery, AuditEvent, Flag, utcnow
from tests.review.factory import anonymous, enrolled, finding, flag

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def flags(seeded_db_url):
    """Five queue items of every level for two patients (one enrolled), raised minutes apart."""
    now = utcnow()
    with session_scope(seeded_db_url) as session:
        alex = enrolled(session, "Alex", "RM-7")
        anon = anonymous(session, "queue-portal-anon")
        made = {
            "review": flag(session, anon, "review", "side_effects", minutes_ago=300, evidence="dizzy", now=now),
            "urgent": flag(session, alex, "urgent", "weakness", minutes_ago=20, evidence=XSS, now=now),
            "callback": flag(session, anon, "callback", "callback", minutes_ago=30, evidence="please ring me",
                             rule_id="callback-request", now=now),
            "emergency": flag(session, alex, "emergency", "cauda_equina", minutes_ago=16, evidence="numb down there",
                              now=now),
        }
        made["urgent2"] = flag(session, alex, "urgent", "weakness", minutes_ago=10, evidence="worse today",
                               group=made["urgent"], now=now)
        return {key: (row.id, row.patient_id) for key, row in made.items()} | {"alex": alex.id, "anon": anon.id}


def audit_rows(db_url, action):
    with session_scope(db_url) as session:
        return [(e.actor, e.patient_id, json.loads(e.detail)) for e in session.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).scalars()]


def row_order(html):
    return [int(g) for g in re.findall(r'data-group-id="(\d+)"', html)]


def test_nurses_and_admins_may_use_the_queue_editors_may_not(app, login, flags):
    flag_id = flags["emergency"][0]
    visitor = app.test_client().get("/staff/queue/items")
    assert visitor.status_code == 302 and "/staff/login" in visitor.headers["Location"]
    for role, status in (("nurse", 200), ("admin", 200), ("editor", 403)):
        browser = login(role)
        for url in ("/staff/queue", "/staff/queue/items", f"/staff/flags/{flag_id}"):
            assert browser.get(url).status_code == status, (role, url)
        for name in ("queue.js", "nurse.css"):
            assert browser.get(f"/static/{name}").status_code == 200
    token = browser.token()
    for action in ("acknowledge", "resolve", "note"):  # the editor's forms are refused before anything happens
        response = browser.client.post(f"/staff/flags/{flag_id}/{action}", data={"csrf_token": token, "note": "x"})
        assert response.status_code == 403


def test_the_queue_page_shows_items_in_order_with_counts_and_escaped_evidence(login, flags, seeded_db_url):
    html = login("nurse").get("/staff/queue").get_data(as_text=True)
    assert row_order(html) == [flags[k][0] for k in ("emergency", "urgent", "callback", "review")]
    counts = dict((level, int(n)) for n, level in re.findall(
        r'<strong>(\d+)</strong> <span class="level level-(\w+)">', html))
    assert counts == {"emergency": 1, "urgent": 1, "callback": 1, "review": 1}
    assert "OVERDUE" in html  # the emergency has waited 16 min against a 15 min target
    assert "Alex (RM-7)" in html and f"anonymous #{flags['anon']}" in html and "Example" not in html
    assert f'href="/staff/patients/{flags["alex"]}"' in html
    assert 'aria-label="Open flag group {} (2 flags)"'.format(flags["urgent"][0]) in html
    assert XSS_ESCAPED in html and XSS not in html and "<img src=x" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script (CSP)
    assert re.search(r"\sstyle=|\son\w+=\"", html) is None     # no inline styles or handlers
    assert 'aria-live="polite"' in html and "queue.js" in html
    (view,) = audit_rows(seeded_db_url, "queue.view")
    assert view[0] == "nina" and view[2]["refresh"] is False
    assert view[2]["flag_ids"] == sorted(v[0] for k, v in flags.items() if k not in ("alex", "anon"))
    assert "numb" not in json.dumps(view)


def test_filters_and_pages(app, login, flags):
    browser = login("nurse")
    urgent = browser.get("/staff/queue?level=urgent").get_data(as_text=True)
    assert row_order(urgent) == [flags["urgent"][0]]
    assert "worse today" in urgent and XSS_ESCAPED in urgent  # both flags' evidence in the grouped row
    assert row_order(browser.get("/staff/queue?status=resolved").get_data(as_text=True)) == []
    odd = browser.get("/staff/queue?level=%3Cb%3E&sort=%27%3B--").get_data(as_text=True)
    assert "Unknown level ignored" in odd and "Unknown sort order ignored" in odd and len(row_order(odd)) == 4

    app.config["QUEUE_PAGE_SIZE"] = 3
    first = browser.get("/staff/queue").get_data(as_text=True)
    second = browser.get("/staff/queue?page=2").get_data(as_text=True)
    assert len(row_order(first)) == 3 and row_order(second) == [flags["review"][0]]
    assert "Page 2 of 2" in second and 'href="/staff/queue?page=2"' in first
    by_wait = browser.get("/staff/queue?sort=waiting").get_data(as_text=True)
    assert row_order(by_wait)[0] == flags["review"][0]
    for odd_page in ("\u00b2", "\u0663", "9" * 30, "-1", "2.0"):  # "²".isdigit() is True; int("²") fails
        response = browser.get("/staff/queue", query_string={"page": odd_page})
        assert response.status_code == 200, odd_page
        assert "Page number not understood" in response.get_data(as_text=True)
        assert row_order(response.get_data(as_text=True)) == row_order(first)


def test_the_refresh_endpoint_returns_the_table_and_audits_only_changes(login, flags, seeded_db_url):
    browser = login("nurse")
    browser.get("/staff/queue")
    data = browser.get("/staff/queue/items").get_json()
    assert set(data) >= {"html", "signature", "group_ids", "counts", "total", "overdue", "summary"}
    assert data["changed"] is False and data["total"] == 4
    assert row_order(data["html"]) == data["group_ids"] and XSS_ESCAPED in data["html"] and XSS not in data["html"]
    assert "Alex" not in data["summary"]
    assert len(audit_rows(seeded_db_url, "queue.view")) == 1  # the page load only

    with session_scope(seeded_db_url) as session:
        record_flags(session, "queue-portal-new", "message:new",
                     [finding("urgent", "fever", "IN-1", "hot and shivery")])
        new_id = session.execute(select(Flag.id).where(Flag.source_key == "message:new")).scalar_one()
    data = browser.get("/staff/queue/items").get_json()
    assert data["changed"] is True and new_id in data["group_ids"] and data["total"] == 5
    assert browser.get("/staff/queue/items").get_json()["changed"] is False
    views = audit_rows(seeded_db_url, "queue.view")
    assert [v[2]["refresh"] for v in views] == [False, True]
    assert new_id in views[1][2]["flag_ids"]


def test_acknowledge_and_resolve_from_the_queue(login, flags, seeded_db_url):
    browser = login("nurse")
    urgent_id, patient_id = flags["urgent"]
    response = browser.post(f"/staff/flags/{urgent_id}/acknowledge",
                            {"note": "Ringing now", "next": "/staff/queue?sort=waiting"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/queue?sort=waiting")
    page = browser.get("/staff/queue").get_data(as_text=True)
    assert "Acknowledged: 2 flags." in page and "acknowledged</span>" in page

    response = browser.post(f"/staff/flags/{urgent_id}/resolve",
                            {"note": "Seen; plan agreed.", "next": "https://evil.example/"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/staff/flags/{urgent_id}")
    assert urgent_id not in row_order(browser.get("/staff/queue").get_data(as_text=True))
    with session_scope(seeded_db_url) as session:
        rows = session.execute(select(Flag).where(Flag.group_id == urgent_id)).scalars().all()
        assert {(f.status, f.acknowledged_by, f.resolved_by) for f in rows} == {("resolved", "nina", "nina")}
        assert [[n.action for n in f.notes] for f in rows] == [["acknowledge", "resolve"]] * 2
    for action in ("flag.acknowledge", "flag.resolve"):
        (event,) = audit_rows(seeded_db_url, action)
        assert event[:2] == ("nina", patient_id) and len(event[2]["flag_ids"]) == 2


def test_refused_changes_explain_themselves(login, flags, seeded_db_url):
    browser = login("admin")
    review_id = flags["review"][0]
    response = browser.post(f"/staff/flags/{review_id}/resolve", {"note": ""})
    assert response.status_code == 400 and "Write a note" in response.get_data(as_text=True)
    assert browser.post(f"/staff/flags/{review_id}/resolve", {"note": "done"}).status_code == 303
    for action in ("resolve", "acknowledge"):
        response = browser.post(f"/staff/flags/{review_id}/{action}", {"note": "again"})
        assert response.status_code == 409 and "already resolved by ada" in response.get_data(as_text=True)
    response = browser.post("/staff/flags/987654/acknowledge", {"note": "x"})
    assert response.status_code == 404 and "There is no flag 987654" in response.get_data(as_text=True)
    assert browser.get("/staff/flags/987654").status_code == 404
    assert len(audit_rows(seeded_db_url, "flag.resolve")) == 1


def test_the_flag_page_shows_rule_evidence_notes_times_and_alert_state(login, flags, seeded_db_url):
    flag_id, patient_id = flags["urgent"]
    with session_scope(seeded_db_url) as session:
        session.add(AlertDelivery(flag_id=flag_id, url="http://127.0.0.1:9/x", state="failed", attempts=8,
                                  last_status=503, last_error="HTTP 503"))
    browser = login("nurse")
    browser.post(f"/staff/flags/{flag_id}/note", {"note": "<b>called</b>\nno answer"})
    browser.post(f"/staff/flags/{flag_id}/acknowledge", {"note": "Left a message"})
    html = browser.get(f"/staff/flags/{flag_id}").get_data(as_text=True)
    assert "T-URGENT, version 1" in html and XSS_ESCAPED in html and XSS not in html
    assert "&lt;b&gt;called&lt;/b&gt;" in html and "Left a message" in html
    assert html.index("&lt;b&gt;called") < html.index("Left a message")  # oldest note first
    assert "Acknowledged</dt><dd>" in html and "by nina" in html
    assert "worse today" in html  # the other flag of the group
    assert "failed" in html and "HTTP 503" in html
    views = audit_rows(seeded_db_url, "flag.view")
    assert views[-1][:2] == ("nina", patient_id) and views[-1][2] == {"group_id": flag_id}

    review_html = browser.get(f"/staff/flags/{flags['review'][0]}").get_data(as_text=True)
    assert "only emergency and urgent flags send one" in review_html


@pytest.fixture
def served(app):
    """The app over real HTTP on 127.0.0.1 (werkzeug's server in a thread), refreshing every second."""
    import threading

    from werkzeug.serving import make_server

    app.config["QUEUE_REFRESH_SECONDS"] = 1
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def test_the_open_page_refreshes_itself_announces_changes_and_waits_for_a_note(served, staff, flags, seeded_db_url):
    """queue.js in Debian's Chromium: a new flag appears without a reload and is announced politely;
    while a note is being written the table is left alone; no script errors or CSP refusals."""
    from playwright.sync_api import expect, sync_playwright

    from tests.portal.conftest import PASSWORD

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        try:
            page = chromium.new_page(base_url=served)
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto("/staff/login")
            page.fill("#username", staff["nurse"])
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/staff/queue")
            assert page.locator("tr[data-group-id]").count() == 4
            page.evaluate("window.loadMarker = 1")  # gone if the page reloads

            with session_scope(seeded_db_url) as session:
                (new,) = record_flags(session, "browser-new", "message:b1",
                                      [finding("emergency", "infection", "IN-2", XSS)])
                new_id = new.id
            page.locator(f"tr[data-group-id='{new_id}']").wait_for(timeout=10000)
            assert page.evaluate("window.loadMarker") == 1
            shown = page.locator("tr[data-group-id]").evaluate_all("rows => rows.map(r => r.dataset.groupId)")
            assert shown[:2] == [str(flags["emergency"][0]), str(new_id)]  # emergencies first, oldest first
            expect(page.locator("#queue-announce")).to_contain_text("1 new item", timeout=5000)
            assert XSS in page.locator(f"tr[data-group-id='{new_id}'] .evidence").inner_text()  # shown as text
            assert page.locator(".evidence img").count() == 0

            row = page.locator(f"tr[data-group-id='{flags['review'][0]}']")
            row.locator("summary").click()
            row.locator("textarea[name=note]").fill("half-written note")
            with session_scope(seeded_db_url) as session:
                record_flags(session, "browser-new2", "message:b2", [finding("urgent", "fever", "IN-1", "hot")])
            page.wait_for_timeout(2500)  # two refresh intervals
            assert page.locator("tr[data-group-id]").count() == 5  # not replaced while writing
            assert row.locator("textarea[name=note]").input_value() == "half-written note"
            row.locator("textarea[name=note]").fill("")
            row.locator("summary").click()  # closed again: the refresh goes on
            page.locator("h1").click()
            expect(page.locator("tr[data-group-id]")).to_have_count(6, timeout=10000)
            assert not errors, errors
        finally:
            chromium.close()

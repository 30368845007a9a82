"""The patient's chat page in a real browser (Debian's Chromium via Playwright) against the real bot,
action server and portal on 127.0.0.1, over Rasa's socket.io channel.

One desktop conversation is reused: a curated answer, a full diary entry with the buttons, the diary
chart, a reload that keeps the conversation, and no request to any origin but the portal and Rasa.
A phone-sized run shows the emergency styling and is checked with axe-core. A personal link binds the
chat to the patient's record. A dropped connection queues what is typed and sends it on reconnect
(through a small TCP relay the test can cut). Screenshots go to docs/screenshots/."""
from __future__ import annotations

import json
import re
import socket
import threading
import uuid
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assistant.config import PROJECT_ROOT
from assistant.db import session_scope
from assistant.services import start_portal, stop, wait_until_ready
from assistant.tables import PatientSender
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.e2e

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
AXE = PROJECT_ROOT / "tests" / "vendor" / "axe.min.js"
BOT = "#chat-log .msg-bot"
TIMEOUT = 30_000


class Relay:
    """A TCP relay between the browser and Rasa that the test can cut (closing every connection and
    refusing new ones) and restore, to see the widget lose and regain the bot."""

    def __init__(self, target_port: int):
        self.target = target_port
        self.port = free_port()
        self.open = True
        self.connections = []
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        self.open = False
        for conn in self.connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            except OSError:
                pass
        self.connections = []

    def restore(self):
        self.open = True

    def close(self):
        self.cut()
        self.server.close()


@pytest.fixture(scope="module")
def relay(servers):
    relay = Relay(servers.rasa_port)
    yield relay
    relay.close()


@pytest.fixture(scope="module")
def patient_portal(servers, relay):
    """The portal, told to reach Rasa through the relay (its origin goes into the page's CSP)."""
    env = dict(servers.env, ASSISTANT_PORTAL_PORT=str(free_port()), ASSISTANT_SECRET_KEY="e2e-secret",
               ASSISTANT_RASA_PORT=str(relay.port))
    env.pop("ASSISTANT_RASA_PUBLIC_URL", None)
    service = start_portal(env, servers.log_dir / "patient-portal.log")
    try:
        wait_until_ready(service, timeout=60)
        yield f"http://127.0.0.1:{env['ASSISTANT_PORTAL_PORT']}", f"http://127.0.0.1:{relay.port}"
    finally:
        stop([service])


def open_page(chromium, base_url, *, viewport=(1280, 900), bypass_csp=False):
    context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]}, base_url=base_url,
                                   bypass_csp=bypass_csp)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.problems, page.requests = [], []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda request: page.requests.append(request.url))
    return context, page


def connected(page):
    expect(page.locator("#chat-status")).to_be_hidden()


def say(page, text):
    count = page.locator(BOT).count()
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    page.locator(BOT).nth(count).wait_for()
    return count


def click_choice(page, title):
    count = page.locator(BOT).count()
    page.locator("#chat-log .choices button:not([disabled])", has_text=title).first.click()
    expect(page.locator("#chat-log .msg-user").last).to_have_text(f"You said: {title}")
    page.locator(BOT).nth(count).wait_for()
    page.wait_for_timeout(300)  # let the rest of this reply arrive


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme.replace('ws', 'http', 1) if parts.scheme.startswith('ws') else parts.scheme}://{parts.netloc}"


def test_a_conversation_with_an_answer_a_diary_entry_a_chart_and_a_reload(chromium, patient_portal):
    base, rasa = patient_portal
    context, page = open_page(chromium, base)
    page.goto("/")
    connected(page)
    page.evaluate("""() => { const typing = document.getElementById('chat-typing');
        new MutationObserver(() => { if (!typing.hidden) window.typingSeen = true; })
            .observe(typing, {attributes: true}); }""")
    say(page, "what is a nerve root block?")
    assert page.evaluate("window.typingSeen") is True  # the typing indicator showed while waiting
    log = page.locator("#chat-log")
    expect(log).to_contain_text("not a diagnosis")  # the session start's notice shows first
    expect(log).to_contain_text("A nerve root block is an injection placed right next to one spinal nerve root")
    page.locator(f"{BOT} li").nth(1).wait_for()  # the answer's Markdown list is rendered as a list (its own message)
    expect(page.locator("#chat-typing")).to_be_hidden()

    say(page, "I want to log my symptoms")
    expect(page.locator("#chat-log .choices button:not([disabled])")).to_have_count(11)  # the 0-10 scale
    for title in ("7", "4", "As usual", "None", "No", "No", "No"):
        click_choice(page, title)
    # the summary repeats the patient's own words: raw HTML in them must stay text, a link must be safe
    say(page, 'gabapentin <img src=x onerror="window.__xss=1"> [leaflet](https://example.org/leaflet)')
    for title in ("None", "Woken by pain", "Nothing else"):
        click_choice(page, title)
    expect(log).to_contain_text("leg pain 7/10, back pain 4/10")
    summary = page.locator(BOT).last
    expect(summary).to_contain_text("<img src=x")  # shown as the words the patient typed, not as an image
    assert page.locator("#chat-log img").count() == 0 and page.evaluate("window.__xss") is None
    link = summary.locator("a")
    expect(link).to_have_attribute("href", "https://example.org/leaflet")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    click_choice(page, "Save")
    expect(log).to_contain_text("Saved.")
    assert page.locator("#chat-log .choices button:not([disabled])").count() == 0  # old choices are spent

    say(page, "show my diary")
    chart = page.locator("#chat-log img.chart").last
    chart.wait_for()
    assert chart.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert "Your leg and back pain over time" in chart.get_attribute("alt")  # the patient wording
    expect(log).to_contain_text("leg pain 7, back pain 4")
    page.screenshot(path=str(SCREENSHOTS / "patient-desktop.png"), full_page=False)

    messages = page.locator("#chat-log .msg").count()
    session_id = page.evaluate("JSON.parse(localStorage.getItem('rr-chat-session'))")
    page.reload()
    connected(page)
    assert page.locator("#chat-log .msg").count() == messages  # the transcript is kept
    first_new = say(page, "what are the risks?")  # the same conversation: a follow-up about the nerve root block
    expect(page.locator(BOT).nth(first_new)).to_contain_text(re.compile("nerve root block", re.IGNORECASE))
    assert page.evaluate("JSON.parse(localStorage.getItem('rr-chat-session'))") == session_id

    page.click("#chat-restart")  # start over: a new session and an empty transcript
    expect(page.locator("#chat-log .msg")).to_have_count(0)
    assert page.evaluate("JSON.parse(localStorage.getItem('rr-chat-session'))") != session_id

    allowed = {base, rasa}
    assert {origin(u) for u in page.requests if not u.startswith("data:")} <= allowed, page.requests
    context.close()
    assert not page.problems, page.problems  # no script errors and no CSP refusals


def test_emergency_reply_on_a_phone_is_unmissable_and_the_page_passes_axe(chromium, patient_portal):
    base, _ = patient_portal
    context, page = open_page(chromium, base, viewport=(375, 667), bypass_csp=True)  # bypass only to inject axe
    page.goto("/")
    connected(page)
    say(page, "I can't feel anything when I wipe")
    emergency = page.locator("#chat-log .msg-emergency")
    emergency.first.wait_for()
    expect(emergency.first).to_contain_text("Emergency")
    expect(emergency.first).to_contain_text("Call your local emergency number now")
    colour = emergency.first.locator(".bubble").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(138, 0, 16)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    box = page.locator("#chat-input").bounding_box()
    assert box and box["y"] + box["height"] <= 667  # the input stays on screen
    page.screenshot(path=str(SCREENSHOTS / "patient-phone.png"), full_page=False)

    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    context.close()
    assert not page.problems, page.problems


def test_a_personal_link_binds_the_chat_to_the_record_without_showing_the_code(chromium, patient_portal, servers):
    from assistant.patients.identity import enrol, issue_code

    base, _ = patient_portal
    with session_scope(servers.db_url) as session:
        patient = enrol(session, full_name="Robin Widgetson", date_of_birth=date(1970, 1, 2),
                        clinic_number=f"WG-{uuid.uuid4().hex[:6]}", phone="0100 000 001", enrolled_by="setup")
        code = issue_code(session, patient, created_by="setup").code
        patient_id = patient.id
    context, page = open_page(chromium, base)
    page.goto(f"/?code={code}")
    assert "code=" not in page.url  # removed from the address bar at once
    log = page.locator("#chat-log")
    expect(log).to_contain_text("Thanks, Robin.")
    expect(page.locator("#chat-patient")).to_have_text("Diary kept for Robin")  # the first name only
    assert code not in log.inner_text() and "Widgetson" not in page.content()
    assert page.locator("#chat-log .msg-user").count() == 0  # the code message is hidden
    session_id = page.evaluate("JSON.parse(localStorage.getItem('rr-chat-session'))")
    with session_scope(servers.db_url) as session:
        bound = session.execute(select(PatientSender.patient_id).where(PatientSender.sender_id == session_id)).scalar()
    assert bound == patient_id
    context.close()
    assert not page.problems, page.problems


def test_a_dropped_connection_is_shown_and_what_is_typed_is_sent_on_reconnect(chromium, patient_portal, relay):
    base, _ = patient_portal
    context, page = open_page(chromium, base)
    page.goto("/")
    connected(page)
    relay.cut()
    status = page.locator("#chat-status")
    expect(status).to_be_visible()
    expect(status).to_contain_text("Reconnecting")
    page.fill("#chat-input", "what is spinal cord stimulation?")
    page.press("#chat-input", "Enter")
    pending = page.locator("#chat-log .msg-user.pending")
    expect(pending).to_contain_text("Not sent yet")
    assert json.loads(page.evaluate("localStorage.getItem('rr-chat-queue')"))  # kept across a reload too
    relay.restore()
    connected(page)
    expect(page.locator("#chat-log .msg-user.pending")).to_have_count(0)
    expect(page.locator("#chat-log")).to_contain_text("spinal cord", timeout=TIMEOUT)
    page.locator(BOT).first.wait_for()
    context.close()
    problems = [p for p in page.problems if "WebSocket" not in p and "ERR_" not in p]  # the cut itself
    assert not problems, problems

"""The staff portal in a real browser (Debian's Chromium driven by Playwright) against the real
bot, action server and portal on 127.0.0.1.

A nurse finds and resolves the flag raised by a real chat message; an editor changes the spinal
cord stimulation overview, a second editor publishes it, and the bot's next reply carries it.
Screenshots of the queue, the patient page and the editor go to docs/screenshots/."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assistant.config import PROJECT_ROOT
from assistant.db import session_scope
from assistant.staff.accounts import create_user
from assistant.tables import AuditEvent, Flag, PatientSender

pytestmark = pytest.mark.e2e

PASSWORD = "browser test password"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def accounts(servers):
    names = {"nurse": f"nurse-{uuid.uuid4().hex[:6]}", "editor": f"ed-{uuid.uuid4().hex[:6]}",
             "editor2": f"ed2-{uuid.uuid4().hex[:6]}"}
    with session_scope(servers.db_url) as session:
        create_user(session, names["nurse"], PASSWORD, "nurse", "Nina Nurse")
        create_user(session, names["editor"], PASSWORD, "editor", "Eddie Editor")
        create_user(session, names["editor2"], PASSWORD, "editor", "Erin Editor")
    return names


@pytest.fixture
def page(chromium, portal):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=portal.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert not errors, errors  # no script errors and no CSP refusals on any page


def enrol_example_patient(db_url) -> int:
    """An enrolled patient with three weeks of diary and an injection, so the pages have something to show."""
    from datetime import date, datetime, timedelta, timezone

    from assistant.diary.service import DiaryAnswers, record_treatment, save_entry
    from assistant.patients.identity import enrol, link_sender

    sender = f"example-{uuid.uuid4().hex[:6]}"
    start = datetime.now(timezone.utc) - timedelta(days=20)
    legs = [6, 6, 7, 6, 7, 7, 6, 5, 4, 4, 3, 4, 3, 5, 7, 8, 8, 9]
    with session_scope(db_url) as session:
        patient = enrol(session, full_name="Sam Example", date_of_birth=date(1968, 3, 14),
                        clinic_number=f"EX-{uuid.uuid4().hex[:5]}", phone="0100 000 000", enrolled_by="setup")
        link_sender(session, sender, patient, method="nurse", linked_by="setup")
        for day, leg in enumerate(legs):
            save_entry(session, sender, DiaryAnswers(
                leg_pain=leg, back_pain=max(0, leg - 3), numbness="as_usual", weakness="none",
                bladder_bowel="no", saddle="no", fever="no", sleep="poor" if leg > 6 else "ok",
                medicines="pregabalin 75 mg", side_effects="", notes=""), recorded_at=start + timedelta(days=day))
        record_treatment(session, sender, "selective-nerve-root-block", (start + timedelta(days=7)).date())
        return patient.id


def log_in(page, username):
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_nurse_finds_and_resolves_the_flag_from_a_real_chat_message(servers, portal, accounts, page):
    sender = f"browser-{uuid.uuid4().hex[:8]}"
    status, replies = servers.send(sender, "since this morning I can't feel anything when I wipe")
    assert status == 200 and any("emergency" in (r.get("text") or "").lower() for r in replies), replies
    with session_scope(servers.db_url) as session:
        flag = session.execute(select(Flag).join(PatientSender, PatientSender.patient_id == Flag.patient_id)
                               .where(PatientSender.sender_id == sender)).scalars().first()
        assert flag is not None and flag.level == "emergency"
        group_id = flag.group_id

    example = enrol_example_patient(servers.db_url)
    log_in(page, accounts["nurse"])
    assert page.url.endswith("/staff/queue")
    row = page.locator(f"tr[data-group-id='{group_id}']")
    row.wait_for()
    assert "emergency" in row.inner_text().lower()
    assert "wipe" in row.locator(".evidence").inner_text()
    page.reload()  # the example patient's trend flags are in the queue too
    page.screenshot(path=str(SCREENSHOTS / "nurse-queue.png"), full_page=True)

    row.locator("a").first.click()  # the patient page
    page.wait_for_load_state()
    assert page.locator("mark", has_text="wipe").count() >= 1
    page.goto(f"/staff/patients/{example}")
    assert page.locator("svg[role=img]").count() >= 1  # the pain chart
    page.screenshot(path=str(SCREENSHOTS / "nurse-patient.png"), full_page=True)

    page.goto("/staff/queue")
    row = page.locator(f"tr[data-group-id='{group_id}']")
    row.locator("summary").click()
    row.locator("textarea[name=note]").fill("Called the patient; sent to the emergency department.")
    row.locator("button", has_text="Resolve").click()
    page.wait_for_load_state()
    assert page.locator(f"tr[data-group-id='{group_id}']").count() == 0  # gone from the open queue

    with session_scope(servers.db_url) as session:
        flag = session.get(Flag, group_id)
        assert flag.status == "resolved" and flag.resolved_by == accounts["nurse"]
        assert [n.note for n in flag.notes if n.action == "resolve"] == [
            "Called the patient; sent to the emergency department."]
        actions = set(session.execute(select(AuditEvent.action).where(AuditEvent.actor == accounts["nurse"]))
                      .scalars())
    assert {"login.ok", "queue.view", "patient.view", "flag.resolve"} <= actions


def test_two_editors_publish_and_the_bot_says_it_next(servers, portal, accounts, chromium):
    new_text = (f"Spinal cord stimulation (browser check {uuid.uuid4().hex[:6]}) uses a small device to send "
                "mild electrical pulses to the spinal cord. It can ease leg pain for some people.\n\n"
                "Talk to your care team about whether it could help you.")
    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, base_url=portal.url)
    page = context.new_page()
    log_in(page, accounts["editor"])
    page.goto("/staff/content/spinal-cord-stimulation/overview")
    page.fill("#body", new_text)
    # the live preview shows the new text as chat bubbles, without a page load
    expect(page.locator("#preview")).to_contain_text("browser check")
    assert page.locator("#preview .bubble").count() == 2
    page.screenshot(path=str(SCREENSHOTS / "editor.png"), full_page=True)
    page.click("#save")
    page.wait_for_load_state()
    page.click("#submit")
    page.wait_for_load_state()
    assert page.locator("#approve").count() == 0  # the author cannot approve their own text
    context.close()

    status, before = servers.send(f"editor-check-{uuid.uuid4().hex[:6]}", "what is spinal cord stimulation?")
    assert status == 200 and "browser check" not in " ".join(r.get("text", "") for r in before)

    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, base_url=portal.url)
    page = context.new_page()
    log_in(page, accounts["editor2"])
    page.goto("/staff/content/spinal-cord-stimulation/overview")
    page.click("#approve")
    page.wait_for_load_state()
    context.close()

    status, after = servers.send(f"editor-check-{uuid.uuid4().hex[:6]}", "what is spinal cord stimulation?")
    text = " ".join(r.get("text", "") for r in after)
    assert status == 200 and "browser check" in text, after

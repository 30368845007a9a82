"""The editors' pages through the real app and database: list, edit with preview, the two-person
review, send back, history, diff and rollback, and what the bot says after each."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

from sqlalchemy import select, update

from assistant.db import session_scope
from assistant.knowledge.answering import AnswerService
from assistant.knowledge.store import KnowledgeStore
from assistant.tables import AnswerText, AuditEvent, Topic

SLUG, ASPECT = "spinal-cord-stimulation", "overview"
EDIT = f"/staff/content/{SLUG}/{ASPECT}"
NEW = "Spinal cord stimulation, reworded by an editor.\n\nAsk your care team about it."


def bot_text(url: str, slug: str = SLUG) -> str:
    """What the bot's next reply to "what is <slug>?" says, read the way actions/knowledge.py reads it."""
    with session_scope(url) as session:
        return AnswerService(KnowledgeStore(session)).reply("ask_what_is", [slug.replace("-", " ")], None) \
            .messages[0].text


def latest(url: str) -> AnswerText:
    with session_scope(url) as session:
        return KnowledgeStore(session).latest(SLUG, ASPECT)


def content_events(url: str):
    with session_scope(url) as session:
        return [(e.actor, e.action, json.loads(e.detail)) for e in session.execute(
            select(AuditEvent).where(AuditEvent.action.startswith("content.")).order_by(AuditEvent.id)).scalars()]


def form(body: str = NEW, action: str = "save", **extra) -> dict:
    data = {"body": body, "action": action, "sources": "NICE TA159\nMTG41", "last_reviewed": "2026-11-23",
            "review_due": "2027-11-23"}
    data.update(extra)
    return data


def review_fields(url: str) -> dict:
    text = latest(url)
    return {"version": str(text.version), "hash": text.content_hash}


def page(response) -> str:
    return response.get_data(as_text=True)


# --- list ----------------------------------------------------------------------------------
def test_list_shows_every_text_with_its_status(login, seeded_db_url):
    html = page(login("editor").get("/staff/content/"))
    with session_scope(seeded_db_url) as session:
        rows = KnowledgeStore(session).statuses()
    assert f"{len(rows)} of {len(rows)} texts" in html
    assert html.count('data-slug="') == len(rows)
    row = re.search(rf'<tr data-slug="{SLUG}" data-aspect="{ASPECT}">(.*?)</tr>', html, re.S).group(1)
    assert "Published" in row and "seed" in row and "2027-11-23" in row and "History" in row


def test_filters_by_status_kind_and_title(login, seeded_db_url):
    editor = login("editor")
    assert editor.post(EDIT, form()).status_code == 303
    drafts = page(editor.get("/staff/content/?status=draft"))
    assert re.findall(r'data-slug="([^"]+)" data-aspect="([^"]+)"', drafts) == [(SLUG, ASPECT)]
    symptoms = page(editor.get("/staff/content/?kind=symptom"))
    with session_scope(seeded_db_url) as session:
        symptom_slugs = set(session.execute(select(Topic.slug).where(Topic.kind == "symptom")).scalars())
    assert set(re.findall(r'data-slug="([^"]+)"', symptoms)) == symptom_slugs
    found = page(editor.get("/staff/content/?q=SPINAL+cord"))
    assert set(re.findall(r'data-slug="([^"]+)"', found)) == {SLUG}
    nothing = editor.get("/staff/content/?q=%3Cscript%3Ealert(1)%3C/script%3E&status=bogus&kind=%27;DROP")
    assert nothing.status_code == 200 and "No text matches" in page(nothing)
    assert "<script>alert(1)" not in page(nothing) and "&lt;script&gt;" in page(nothing)


def test_overdue_section_lists_texts_past_their_review_date(login, seeded_db_url):
    with session_scope(seeded_db_url) as session:
        topic_id = session.execute(select(Topic.id).where(Topic.slug == "opioids")).scalar_one()
        session.execute(update(AnswerText).where(AnswerText.topic_id == topic_id, AnswerText.aspect == "risks")
                        .values(review_due=date.today() - timedelta(days=1)))
    html = page(login("editor").get("/staff/content/"))
    section = html.split('id="overdue-texts"')[1].split("</section>")[0]
    assert "Past their review date (1)" in section
    assert "/staff/content/opioids/risks" in section and SLUG not in section


def test_waiting_for_your_review_shows_other_editors_submissions(login):
    author = login("editor")
    assert author.post(EDIT, form(action="submit")).status_code == 303
    mine = page(author.get("/staff/content/")).split('id="waiting"')[1].split("</section>")[0]
    assert "Waiting for your review (0)" in mine
    theirs = page(login("editor2").get("/staff/content/")).split('id="waiting"')[1].split("</section>")[0]
    assert "Waiting for your review (1)" in theirs and EDIT in theirs


# --- edit and preview ----------------------------------------------------------------------
def test_edit_page_shows_the_text_its_provenance_and_the_patient_view(login, seeded_db_url):
    with session_scope(seeded_db_url) as session:
        live = KnowledgeStore(session).published_answer(SLUG, ASPECT)
    html = page(login("editor").get(EDIT))
    textarea = re.search(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert textarea.replace("&#39;", "'").replace("&quot;", '"') == live.body
    assert html.count('<div class="bubble">') == len(live.body.split("\n\n"))
    for needle in ('id="sources"', "TA159", 'id="last_reviewed"', 'value="2026-11-23"', 'value="2027-11-23"',
                   "Written by", "Approved by", "Last clinically reviewed", "Review due", "Reading grade",
                   'name="action" value="save"', 'name="action" value="submit"', 'name="action" value="preview"',
                   "editor.js", "editor.css"):
        assert needle in html, needle
    assert 'value="approve"' not in html  # nothing in review yet
    empty = page(login("editor").get("/staff/content/numbness/risks"))
    assert "There is no text for this aspect yet" in empty
    assert re.search(r'<textarea id="body" name="body"[^>]*></textarea>', empty)


def test_preview_endpoint_needs_the_csrf_header(app, login):
    editor = login("editor")
    assert editor.client.post("/staff/content/preview", data={"body": "Hi"}).status_code == 400
    response = editor.client.post("/staff/content/preview", data={"body": "Hi **there**.\n\nSecond."},
                                  headers={"X-CSRFToken": editor.token()})
    assert response.status_code == 200
    data = response.get_json()
    assert data["bubbles"] == ["<p>Hi <strong>there</strong>.</p>", "<p>Second.</p>"]
    assert data["target"] == 8 and data["over"] is False


XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<iframe src=https://evil.example></iframe>",
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](&#106;avascript:alert(1))",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<p style="color:red" onclick="alert(1)">x</p>',
]


def test_preview_strips_xss(login):
    """One log-in for all vectors (tests/knowledge/test_render.py tries many more on the renderer)."""
    editor = login("editor")
    token = editor.token()
    for vector in XSS_VECTORS:
        data = editor.client.post("/staff/content/preview", data={"body": vector + "\n\n[ok](https://nhs.uk)"},
                                  headers={"X-CSRFToken": token}).get_json()
        markup = "".join(re.findall(r"<[^>]*>", "".join(data["bubbles"])))
        assert re.fullmatch(r"(</?(p|a|ul|ol|li|strong|em|br|code)( [^>]*)?>)*", markup), (vector, markup)
        assert not re.search(r"on\w+=|style=|javascript|data:", markup, re.I), (vector, markup)
        assert data["bubbles"][-1].startswith('<p><a href="https://nhs.uk" target="_blank"'), vector


def test_preview_button_works_without_javascript_and_saves_nothing(login, seeded_db_url):
    before = latest(seeded_db_url).version
    response = login("editor").post(EDIT, form("Plain words.\n\n<script>alert(1)</script>", action="preview"))
    html = page(response)
    assert response.status_code == 200
    assert '<div class="bubble"><p>Plain words.</p></div>' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert latest(seeded_db_url).version == before and not content_events(seeded_db_url)


def test_readability_is_shown_against_the_target(login):
    editor = login("editor")
    hard = ("Comprehensive neuromodulatory interventions necessitate multidisciplinary evaluation "
            "encompassing psychological, physiological and pharmacological considerations.")
    data = editor.client.post("/staff/content/preview", data={"body": hard},
                              headers={"X-CSRFToken": editor.token()}).get_json()
    assert data["over"] is True and data["grade"] > 8
    html = page(editor.post(EDIT, form(hard, action="preview")))
    assert "grade-over" in html and "over the target" in html and "target 8 or lower" in html


# --- workflow ------------------------------------------------------------------------------
def test_two_editors_publish_and_the_bot_says_it_at_once(login, seeded_db_url, staff):
    old = bot_text(seeded_db_url)
    author, reviewer = login("editor"), login("editor2")
    response = author.post(EDIT, form(action="submit"))
    assert response.status_code == 303
    assert latest(seeded_db_url).status == "in_review" and bot_text(seeded_db_url) == old

    own = author.post(EDIT, form("A sneaky other text.", action="approve", **review_fields(seeded_db_url)))
    assert own.status_code == 409 and "two-person" in page(own)
    assert "sneaky" not in page(own) and "reworded by an editor" in page(own)  # the stored text is shown
    assert latest(seeded_db_url).status == "in_review" and bot_text(seeded_db_url) == old
    assert 'value="approve"' not in page(author.get(EDIT))

    review_page = page(reviewer.get(EDIT))
    assert 'value="approve"' in review_page and 'value="send_back"' in review_page and 'id="comment"' in review_page
    assert re.search(r'<textarea id="body" name="body"[^>]*readonly', review_page)
    approved = reviewer.post(EDIT, form(action="approve", **review_fields(seeded_db_url)))
    assert approved.status_code == 303
    text = latest(seeded_db_url)
    assert (text.status, text.author, text.approved_by) == ("published", staff["editor"], staff["editor2"])
    assert bot_text(seeded_db_url) == NEW
    actions = [(actor, action) for actor, action, _ in content_events(seeded_db_url)]
    assert actions == [(staff["editor"], "content.draft"), (staff["editor"], "content.submit"),
                       (staff["editor2"], "content.publish")]
    assert all(set(detail) >= {"slug", "aspect", "version"} and NEW not in json.dumps(detail)
               for _, _, detail in content_events(seeded_db_url))
    assert "is published" in page(reviewer.get(EDIT))


def test_send_back_with_a_comment(login, seeded_db_url, staff):
    author, reviewer = login("editor"), login("editor2")
    author.post(EDIT, form(action="submit"))
    empty = reviewer.post(EDIT, form(action="send_back", comment="  ", **review_fields(seeded_db_url)))
    assert empty.status_code == 400 and latest(seeded_db_url).status == "in_review"
    back = reviewer.post(EDIT, form(action="send_back", comment="Name the <trial> first.",
                                    **review_fields(seeded_db_url)))
    assert back.status_code == 303
    text = latest(seeded_db_url)
    assert (text.status, text.comment, text.reviewed_by) == ("draft", "Name the <trial> first.", staff["editor2"])
    html = page(author.get(EDIT))
    assert "Name the &lt;trial&gt; first." in html and 'value="save"' in html
    assert content_events(seeded_db_url)[-1][1] == "content.send_back"


def test_bad_input_gets_a_clear_answer_and_changes_nothing(login, seeded_db_url):
    editor = login("editor")
    before = latest(seeded_db_url).version
    for data, message in [(form("   "), "empty"), (form("x" * 20_001), "too long"),
                          (form(last_reviewed="23/11/2026"), "YYYY-MM-DD"), ({"body": NEW}, "Choose what to do"),
                          (form(action="approve"), "missing the version"),
                          (form(action="approve", **review_fields(seeded_db_url)), "Only a text in review")]:
        response = editor.post(EDIT, data)
        assert response.status_code in (400, 409) and message in page(response), message
    assert latest(seeded_db_url).version == before and not content_events(seeded_db_url)
    assert editor.get("/staff/content/no-such-topic/overview").status_code == 404
    assert editor.get(f"/staff/content/{SLUG}/price").status_code == 404


# --- history, diff, rollback ---------------------------------------------------------------
def publish_new(login, url, body=NEW):
    login("editor").post(EDIT, form(body, action="submit"))
    assert login("editor2").post(EDIT, form(action="approve", **review_fields(url))).status_code == 303
    return latest(url)


def test_history_diff_and_rollback(login, seeded_db_url, staff):
    old = latest(seeded_db_url)
    new = publish_new(login, seeded_db_url, "Spinal cord stimulation <b>changed</b>.\n\nAsk your care team.")
    editor = login("editor")
    history = page(editor.get(f"{EDIT}/history"))
    assert history.count('<tr id="v') == new.version
    row = history.split(f'<tr id="v{new.version}">')[1].split("</tr>")[0]
    assert "live" in row and staff["editor"] in row and staff["editor2"] in row
    assert f'id="rollback-{old.version}"' in history and f'id="rollback-{new.version}"' not in history
    assert "Last clinically reviewed" in history and "Sources" in history

    diff = page(editor.get(f"{EDIT}/diff/{new.version}"))
    assert "<ins>" in diff and "<del>" in diff
    assert "&lt;b&gt;changed&lt;/b&gt;" in diff and "<b>changed</b>" not in diff
    assert editor.get(f"{EDIT}/diff/999").status_code == 404

    refused = editor.post(f"{EDIT}/rollback/{new.version}")
    assert refused.status_code == 409 and latest(seeded_db_url).version == new.version
    response = editor.post(f"{EDIT}/rollback/{old.version}")
    assert response.status_code == 303
    restored = latest(seeded_db_url)
    assert (restored.version, restored.status, restored.rolled_back_from) == (new.version + 1, "published",
                                                                               old.version)
    assert bot_text(seeded_db_url) == old.body
    actor, action, detail = content_events(seeded_db_url)[-1]
    assert (actor, action, detail["rolled_back_from"], detail["version"]) == (
        staff["editor"], "content.rollback", old.version, restored.version)
    assert f"restores v{old.version}" in page(editor.get(f"{EDIT}/history"))


# --- roles ---------------------------------------------------------------------------------
def test_nurse_gets_403_everywhere(login):
    nurse = login("nurse")
    for url in ("/staff/content/", EDIT, f"{EDIT}/history", f"{EDIT}/diff/1"):
        assert nurse.get(url).status_code == 403, url
    for url in ("/staff/content/preview", EDIT, f"{EDIT}/rollback/1"):
        assert nurse.client.post(url, data={"body": "x", "action": "save"},
                                 headers={"X-CSRFToken": nurse.token()}).status_code == 403, url


def test_admin_may_approve(login, seeded_db_url, staff):
    login("editor").post(EDIT, form(action="submit"))
    assert login("admin").post(EDIT, form(action="approve", **review_fields(seeded_db_url))).status_code == 303
    assert latest(seeded_db_url).approved_by == staff["admin"] and bot_text(seeded_db_url) == NEW

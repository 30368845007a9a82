"""The patient-facing renderer: allowed Markdown survives, nothing executable does, and the
preview splits a text into chat messages exactly the way Rasa's channels do."""
from __future__ import annotations

import re

import pytest

from assistant.knowledge.render import normalise, paragraphs, render_bubbles, render_markdown, warnings

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\">text",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x61;script:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"data:text/html,<script>alert(1)</script>\">click</a>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<svg onload=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p onclick=\"alert(1)\">click</p>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<<script>script>alert(1)<</script>/script>",
    "![x](javascript:alert(1))",
    "![x](https://evil.example/x.png\"onerror=\"alert(1))",
    "[x](https://ok.example \"title\" onmouseover=alert(1))",
    "<https://ok.example/\" onmouseover=\"alert(1)>",
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n\n[click][x]",
    "<!-- <script>alert(1)</script> -->",
    "<style>body{display:none}</style>",
    "<form action=https://evil.example><input name=p></form>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
]
ALLOWED = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "code"}


def assert_inert(html: str) -> None:
    """No tag outside the allow-list, no attribute but href/rel/target (start on ol), no other URL
    scheme than http(s)/mailto/tel; what is left of a vector is plain, escaped text."""
    tags = re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)([^>]*)>", html)
    for tag, attributes in tags:
        assert tag.lower() in ALLOWED, html
        names = set(re.findall(r"([a-zA-Z-:]+)\s*=", attributes))
        assert names <= {"href", "rel", "target", "start"}, html
        assert "javascript" not in attributes.lower() and "data:" not in attributes.lower(), html
        for href in re.findall(r'href="([^"]*)"', attributes):
            assert re.match(r"(https?://|mailto:|tel:)", href), html


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_nothing_executable_survives(vector):
    html = render_markdown(vector)
    assert_inert(html)
    markup = "".join(re.findall(r"<[^>]*>", html))  # the tags only; the rest is escaped text
    assert not re.search(r"<(script|img|iframe|svg|style|form|input|div|math)\b", markup, re.I)
    assert not re.search(r"\s(on[a-z]+|style|src)\s*=", markup, re.I)
    assert 'href="javascript' not in markup.lower() and 'href="data' not in markup.lower()
    for bubble in render_bubbles(vector):
        assert_inert(bubble)


def test_raw_html_is_shown_as_text_not_markup():
    assert render_markdown("<b>bold?</b>") == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>"


def test_allowed_markdown_keeps_its_markup():
    html = render_markdown("Some **bold**, *emphasis* and `code`.\n\n- one\n- two\n\n1. first\n2. second")
    assert "<strong>bold</strong>" in html and "<em>emphasis</em>" in html and "<code>code</code>" in html
    assert "<ul>" in html and "<ol>" in html and html.count("<li>") == 4


def test_links_open_safely_in_a_new_tab():
    html = render_markdown("[NHS](https://www.nhs.uk/conditions/sciatica/) or [call](tel:+44111) "
                           "or [mail](mailto:team@example.org)")
    assert html.count('target="_blank"') == 3
    assert html.count('rel="noopener noreferrer nofollow"') == 3
    assert 'href="https://www.nhs.uk/conditions/sciatica/"' in html
    assert 'href="tel:+44111"' in html and 'href="mailto:team@example.org"' in html


@pytest.mark.parametrize("link", ["[x](/staff/admin)", "[x](//evil.example)", "[x](ftp://example.org)",
                                  "[x](file:///etc/passwd)"])
def test_only_web_mail_and_phone_links_become_links(link):
    html = render_markdown(link)
    assert "<a" not in html
    assert warnings(link)


def test_headings_and_images_are_not_patient_markup():
    assert "<h1" not in render_markdown("# Title") and "Title" in render_markdown("# Title")
    assert "<img" not in render_markdown("![alt](https://example.org/a.png)")


def test_bubbles_follow_the_chat_split():
    text = "First paragraph.\n\nSecond with a list:\n\n- one\n- two\n\nLast one."
    rasa_split = text.strip().split("\n\n")  # what rasa.core.channels.channel.CollectingOutputChannel sends
    bubbles = render_bubbles(text)
    assert len(bubbles) == len(rasa_split) == 4
    assert bubbles[0] == "<p>First paragraph.</p>"
    assert "<li>one</li>" in bubbles[2] and "<li>two</li>" in bubbles[2]


def test_normalise_gives_the_shape_that_splits_cleanly():
    messy = "\ufeffOne.\r\n\r\n\r\n   \r\nTwo\u202e reversed.  \r\n\x00\n\n\n\nThree."
    clean = normalise(messy)
    assert clean == "One.\n\nTwo reversed.\n\nThree."
    assert paragraphs(clean) == ["One.", "Two reversed.", "Three."]
    assert render_bubbles(messy) == ["<p>One.</p>", "<p>Two reversed.</p>", "<p>Three.</p>"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", None])
def test_empty_text_has_no_bubbles(text):
    assert render_bubbles(text) == []
    assert render_markdown(text) == ""


def test_every_seed_text_renders_to_allowed_markup(seeded_session):
    from sqlalchemy import select

    from assistant.tables import AnswerText
    for body in seeded_session.execute(select(AnswerText.body)).scalars():
        bubbles = render_bubbles(body)
        assert bubbles and len(bubbles) == len(body.strip().split("\n\n"))
        for bubble in bubbles:
            assert_inert(bubble)

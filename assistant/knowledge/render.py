"""Answer texts as the patient sees them: Markdown to sanitised HTML, one chat bubble per paragraph.

Rasa's channels send ``text.strip().split("\\n\\n")`` as separate messages, so a preview that is
to look like the chat must split the same way. ``normalise`` gives a text the shape it is stored
in (LF line ends, no blank-looking lines full of spaces, no runs of blank lines), so that the
split of the stored text and the paragraphs a reader sees agree.

Rendering is two layers deep: markdown-it-py with raw HTML off and only http(s)/mailto/tel
links, then nh3 with a small allow-list. Either layer alone should stop script; both must.
"""
from __future__ import annotations

import re
import unicodedata
from typing import List

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
LINK_REL = "noopener noreferrer nofollow"

_SAFE_LINK = re.compile(r"^(?:https?://|mailto:|tel:)", re.IGNORECASE)
# C0/C1 control characters other than tab and newline, and the invisible direction overrides
# that can make a text read differently from what it is.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


def _valid_link(url: str) -> bool:
    """Only absolute web, mail and phone links: a patient's chat has no page to be relative to."""
    return bool(_SAFE_LINK.match(url.strip()))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.validateLink = _valid_link
    return md


_MD = _parser()


def normalise(text: str) -> str:
    """The stored shape of a text: NFC, LF line ends, no control characters, paragraphs split
    by exactly one blank line, trailing spaces removed."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def render_markdown(text: str) -> str:
    """Sanitised HTML for one Markdown text (no script, raw HTML, handlers, styles or odd links)."""
    html = _MD.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    ).strip()


def paragraphs(text: str) -> List[str]:
    """The chat messages a text becomes, split exactly the way Rasa's channels split it."""
    stripped = (text or "").strip()
    if not stripped:
        return []
    return [part for part in stripped.split("\n\n") if part.strip()]


_RAW_HTML = re.compile(r"<\s*[a-zA-Z!/]")
_OTHER_LINK = re.compile(r"\]\(\s*<?(?!https?://|mailto:|tel:)[^)\s]", re.IGNORECASE)


def warnings(text: str) -> List[str]:
    """What in a text will not reach the patient the way the editor probably meant it."""
    found = []
    if _RAW_HTML.search(text or ""):
        found.append("Raw HTML is not used: patients would see the tags as plain text.")
    if _OTHER_LINK.search(text or ""):
        found.append("Only http(s), mailto: and tel: links work; other links show as plain text.")
    return found


def render_bubbles(text: str) -> List[str]:
    """One sanitised HTML fragment per chat message of the (normalised) text."""
    return [render_markdown(part) for part in paragraphs(normalise(text))]

"""The patient's page at ``/``: a chat widget (static/chat/widget.js) talking to Rasa over socket.io.

The view only renders the page; the widget does the talking. The page's Content-Security-Policy is set
here, per response: our own origin only, plus the Rasa server's origin (http and ws) for socket.io.

Emergency replies are styled by the widget. Which replies are emergencies is decided from the project's
own files, not from wording in the widget: the rule file names the emergency advice response
(``levels.emergency.advice_response``) and domain.yml holds its text; the page hands those texts to the
widget, which marks a bot message that is exactly one of them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import List, Tuple
from urllib.parse import urlsplit

import yaml
from flask import Blueprint, current_app, make_response, render_template

from assistant.config import PROJECT_ROOT
from assistant.safety.rules import RULES_PATH, load_rules

blueprint = Blueprint("public", __name__)

DOMAIN_PATH = PROJECT_ROOT / "domain.yml"


def rasa_origins(rasa_url: str) -> Tuple[str, str]:
    """The Rasa server's http(s) origin and the matching ws(s) origin, for connect-src."""
    parts = urlsplit(rasa_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("RASA_URL must be an http(s) URL")
    web = f"{parts.scheme}://{parts.netloc}"
    return web, f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


def page_policy(rasa_url: str) -> str:
    """The patient page's CSP: like the staff pages, plus the Rasa server in connect-src."""
    web, socket = rasa_origins(rasa_url)
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {web} {socket}; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


@lru_cache(maxsize=4)
def emergency_texts(rules_path: str = str(RULES_PATH), domain_path: str = str(DOMAIN_PATH)) -> List[str]:
    """Every paragraph of the emergency advice response(s) named by the rule file, as domain.yml has them
    (Rasa's socket.io channel sends each paragraph as its own message)."""
    name = load_rules(Path(rules_path)).advice_responses["emergency"]  # the validated rule file
    domain = yaml.safe_load(Path(domain_path).read_text(encoding="utf-8"))
    texts = []
    for variation in domain.get("responses", {}).get(name) or []:
        for part in str(variation.get("text") or "").strip().split("\n\n"):
            if part.strip():
                texts.append(part.strip())
    return texts


@blueprint.route("/")
def index():
    rasa_url = current_app.config["RASA_URL"]
    origin, _ = rasa_origins(rasa_url)
    response = make_response(render_template("public/index.html", rasa_url=origin,
                                             emergency_texts=emergency_texts()))
    response.headers["Content-Security-Policy"] = page_policy(rasa_url)
    response.headers["Cache-Control"] = "no-store"
    return response

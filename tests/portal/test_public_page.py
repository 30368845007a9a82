"""The patient's page at ``/`` through Flask's test client: the page, its Content-Security-Policy, the
vendored libraries (each file's sha256 against VENDOR.md), the emergency texts handed to the widget,
and the diary chart the bot sends."""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path

import pytest
import yaml

from assistant.config import PROJECT_ROOT
from assistant.portal import create_app
from assistant.portal.public import emergency_texts, page_policy, rasa_origins

STATIC = PROJECT_ROOT / "assistant" / "portal" / "static"
VENDOR_MD = STATIC / "vendor" / "VENDOR.md"


def directives(policy: str) -> dict:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def test_the_page_loads_the_widget_from_our_own_origin_only(app):
    response = app.test_client().get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'role="log"' in page and 'aria-live="polite"' in page and 'id="chat-status"' in page
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert "<script>" not in page and " style=" not in page and " on" + "click=" not in page
    for source in sources:  # every file the page names is served
        assert app.test_client().get(source).status_code == 200, source


def test_the_csp_allows_only_our_origin_plus_rasa_for_connections(app):
    app.config["RASA_URL"] = "http://127.0.0.1:5999"
    response = app.test_client().get("/")
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"] and policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'", "http://127.0.0.1:5999", "ws://127.0.0.1:5999"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert 'data-rasa-url="http://127.0.0.1:5999"' in response.get_data(as_text=True)
    # the staff pages keep their own stricter policy
    staff = directives(app.test_client().get("/staff/login").headers["Content-Security-Policy"])
    assert staff["connect-src"] == ["'self'"]


def test_an_https_rasa_gets_wss_and_a_bad_url_is_refused():
    assert rasa_origins("https://bot.example.org/some/path") == ("https://bot.example.org", "wss://bot.example.org")
    assert "wss://bot.example.org" in page_policy("https://bot.example.org")
    for bad in ("javascript:alert(1)", "bot.example.org", "ftp://x"):
        with pytest.raises(ValueError):
            rasa_origins(bad)


def test_a_personal_link_is_served_the_same_page_and_the_code_is_not_echoed(app):
    response = app.test_client().get("/?code=K7PM-4XQ2")
    assert response.status_code == 200
    assert "K7PM" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_widget_is_told_the_emergency_advice_from_the_rule_file_and_domain(app):
    rules = yaml.safe_load((PROJECT_ROOT / "assistant" / "safety" / "rules.yml").read_text())
    name = rules["levels"]["emergency"]["advice_response"]
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    expected = [v["text"].strip() for v in domain["responses"][name]]
    assert emergency_texts() == expected and all("emergency" in t.lower() for t in expected)
    page = app.test_client().get("/").get_data(as_text=True)
    attribute = re.search(r"data-emergency='([^']*)'", page).group(1)
    assert json.loads(html.unescape(attribute)) == expected


def vendored_files():
    rows = [line.split("|") for line in VENDOR_MD.read_text().splitlines() if line.startswith("| ") and "sha256" not in line
            and not line.startswith("| ---")]
    return [(cells[1].strip(), cells[3].strip(), cells[5].strip(), cells[6].strip()) for cells in rows]


def test_every_vendored_file_matches_its_recorded_sha256_and_is_listed():
    files = vendored_files()
    names = {Path(name).name for name, *_ in files}
    assert {"socket.io.min.js", "marked.umd.js", "purify.min.js", "axe.min.js"} <= names
    for name, version, integrity, digest in files:
        path = (VENDOR_MD.parent / name).resolve()
        assert re.fullmatch(r"\d+\.\d+\.\d+", version) and integrity.startswith("sha512-"), name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{name} differs from VENDOR.md"
    on_disk = {p.name for p in (STATIC / "vendor").iterdir() if p.suffix == ".js"}
    assert on_disk <= names, f"unlisted vendored files: {on_disk - names}"


def test_the_diary_chart_is_an_escaped_svg_in_a_data_url():
    from actions.diary import _chart_image

    entries = [{"recorded_at": "2026-11-20T09:00:00+00:00", "leg_pain": 7, "back_pain": 4},
               {"recorded_at": "2026-11-21T09:00:00+00:00", "leg_pain": 5, "back_pain": None}]
    image = _chart_image(entries, [], {})
    prefix = "data:image/svg+xml;base64,"
    assert image.startswith(prefix)
    svg = base64.b64decode(image[len(prefix):]).decode("utf-8")
    assert svg.startswith("<svg") and "<title" in svg and "2 diary entries" in svg and "<script" not in svg


def test_the_page_needs_no_login_and_writes_nothing(seeded_db_url, tmp_path):
    app = create_app({"SECRET_KEY": "t", "TESTING": True, "DATABASE_URL": seeded_db_url,
                      "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 't.db'}"})
    response = app.test_client().get("/")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert app.test_client().post("/").status_code in (400, 405)

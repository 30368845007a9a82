"""Shared fixtures: a real, migrated SQLite database per test, seeded from content/ where needed,
and rasa-sdk trackers for the actions."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from assistant.config import PROJECT_ROOT
from assistant.db import session_scope
from assistant.knowledge.seed import load_seed
from assistant.migrate import upgrade

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
CONTENT_DIR = PROJECT_ROOT / "content" / "topics"


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """A fresh migrated database that every service in this process uses for the test."""
    url = os.environ.get("TEST_DATABASE_URL_TEMPLATE", "sqlite:///{path}").format(path=tmp_path / "test.db")
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    upgrade(url)
    return url


@pytest.fixture
def session(db_url):
    with session_scope(db_url) as session:
        yield session


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory) -> Path:
    """Migrate and seed once per run; tests get a copy of the file."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    with session_scope(url) as session:
        load_seed(session, CONTENT_DIR)
    return path


@pytest.fixture
def seeded_db_url(_seeded_template, tmp_path, monkeypatch) -> str:
    target = tmp_path / "seeded.db"
    target.write_bytes(_seeded_template.read_bytes())
    url = f"sqlite:///{target}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    return url


@pytest.fixture
def seeded_session(seeded_db_url):
    with session_scope(seeded_db_url) as session:
        yield session


def make_tracker(text: str = "", intent: Optional[str] = None, entities: Optional[List[Dict[str, Any]]] = None,
                 slots: Optional[Dict[str, Any]] = None, sender_id: str = "test-sender",
                 active_loop: Optional[str] = None):
    """A rasa-sdk Tracker whose latest message is ``text`` understood as ``intent``."""
    from rasa_sdk import Tracker

    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {},
              "entities": entities or [], "intent_ranking": []}
    return Tracker(sender_id, slots or {}, latest, [], False, None, {"name": active_loop} if active_loop else {},
                   "action_listen")


def topic_entity(value: str) -> Dict[str, Any]:
    return {"entity": "topic", "value": value, "extractor": "SpacyEntityExtractor"}

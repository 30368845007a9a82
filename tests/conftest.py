"""Shared fixtures: a real, migrated database per test (SQLite, or PostgreSQL when
TEST_POSTGRES_URL names a server), seeded from content/ where needed, and rasa-sdk trackers for
the actions."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from assistant.config import PROJECT_ROOT
from assistant.db import _session_factory, get_engine, session_scope
from assistant.knowledge.seed import load_seed
from assistant.migrate import upgrade

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
CONTENT_DIR = PROJECT_ROOT / "content" / "topics"
# A PostgreSQL server's maintenance database (e.g. postgresql+psycopg2://postgres@127.0.0.1:55432/postgres):
# when set, every database fixture creates its own database there and drops it afterwards.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
DB_FIXTURES = {"db_url", "seeded_db_url", "session", "seeded_session"}


def pytest_configure(config):
    config.addinivalue_line("markers", "db: uses the project database (run again on PostgreSQL by make test-postgres)")


def pytest_collection_modifyitems(config, items):
    """Every test that uses a database fixture is database-facing, except the end-to-end ones
    (real servers on their own SQLite files)."""
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("e2e") \
                and "e2e" not in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.db)


def _postgres(*statements: str) -> None:
    engine = create_engine(POSTGRES_URL, future=True, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for sql in statements:
                connection.execute(text(sql))
    finally:
        engine.dispose()


def _new_postgres_database(template: Optional[str] = None) -> str:
    """A new, empty (or template-copied) database on the test server; returns its URL."""
    name = f"test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    # Throw-away databases need no durable commits: waiting for each fsync only slows the run.
    _postgres(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""),
              f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return str(make_url(POSTGRES_URL).set(database=name))


def _drop_postgres_database(url: str) -> None:
    """Close this process's pooled connections (get_engine is cached per URL), then drop."""
    get_engine(url).dispose()
    get_engine.cache_clear()
    _session_factory.cache_clear()
    _postgres(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _migrated_postgres_template() -> Optional[str]:
    """On PostgreSQL, migrate once per run; each test gets a copy (CREATE DATABASE ... TEMPLATE)."""
    if not POSTGRES_URL:
        yield None
        return
    url = _new_postgres_database()
    upgrade(url)
    get_engine(url).dispose()  # a template database must have no connections
    yield make_url(url).database
    _drop_postgres_database(url)


@pytest.fixture
def db_url(_migrated_postgres_template, tmp_path, monkeypatch) -> str:
    """A fresh migrated database that every service in this process uses for the test."""
    if POSTGRES_URL:
        url = _new_postgres_database(template=_migrated_postgres_template)
    else:
        url = os.environ.get("TEST_DATABASE_URL_TEMPLATE", "sqlite:///{path}").format(path=tmp_path / "test.db")
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    upgrade(url)  # a no-op on a migrated copy
    yield url
    if POSTGRES_URL:
        _drop_postgres_database(url)


@pytest.fixture
def session(db_url):
    with session_scope(db_url) as session:
        yield session


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory):
    """Migrate and seed once per run; tests get a copy (of the file, or of the PostgreSQL
    template database)."""
    if POSTGRES_URL:
        url = _new_postgres_database()
    else:
        path = tmp_path_factory.mktemp("seeded") / "seeded.db"
        url = f"sqlite:///{path}"
    upgrade(url)
    with session_scope(url) as session:
        load_seed(session, CONTENT_DIR)
    if not POSTGRES_URL:
        yield path
        return
    get_engine(url).dispose()  # a template database must have no connections
    yield make_url(url).database
    _drop_postgres_database(url)


@pytest.fixture
def seeded_db_url(_seeded_template, tmp_path, monkeypatch) -> str:
    if POSTGRES_URL:
        url = _new_postgres_database(template=_seeded_template)
    else:
        target = tmp_path / "seeded.db"
        target.write_bytes(_seeded_template.read_bytes())
        url = f"sqlite:///{target}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    yield url
    if POSTGRES_URL:
        _drop_postgres_database(url)


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

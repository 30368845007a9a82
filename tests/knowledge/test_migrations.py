"""Alembic migrations build exactly the tables the models describe, and run both ways."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from assistant.db import get_engine
from assistant.migrate import downgrade, upgrade
from assistant.tables import Base


def test_migrations_match_the_models(db_url):
    with get_engine(db_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_downgrade_removes_everything(db_url):
    upgrade(db_url)
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {"topic", "topic_synonym", "answer_text", "alembic_version"} <= tables
    downgrade(db_url)
    assert set(inspect(get_engine(db_url)).get_table_names()) <= {"alembic_version"}
    upgrade(db_url)
    assert "answer_text" in inspect(get_engine(db_url)).get_table_names()

"""Alembic environment: runs migrations on the URL the caller configured (see assistant.migrate)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from assistant.tables import Base

config = context.config
target_metadata = Base.metadata


def _connection(connectable):
    """A connection handed in by assistant.migrate, or a new one from the URL."""
    from contextlib import nullcontext
    from sqlalchemy.engine import Connection
    return nullcontext(connectable) if isinstance(connectable, Connection) else connectable.connect()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = create_engine(config.get_main_option("sqlalchemy.url"), future=True)
    with _connection(connectable) as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()

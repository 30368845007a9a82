"""Declarative base with a naming convention, so migrations name constraints the same everywhere."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import MetaData
from sqlalchemy.orm import declarative_base

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC on every database."""
    return datetime.now(timezone.utc)


def as_utc(moment: Optional[datetime]) -> Optional[datetime]:
    """A stored time as an aware UTC datetime: SQLite hands back naive ones, and every time we store is UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)

"""Settings read from the environment in one place, so every process agrees on them.

Every variable is documented in README.md (section "Configuration").
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'assistant.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    content_dir: Path
    host: str
    rasa_port: int
    action_port: int
    portal_port: int
    tracker_cache_conversations: int  # per Rasa server; 0 keeps none
    rasa_concurrency: int  # messages a Rasa server handles at once; 0 means no limit

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Read the environment (per use, so tests can point it elsewhere)."""
    env = os.environ if environ is None else environ
    return Settings(
        database_url=env.get("ASSISTANT_DATABASE_URL") or _default_database_url(),
        content_dir=Path(env.get("ASSISTANT_CONTENT_DIR") or PROJECT_ROOT / "content" / "topics"),
        host=env.get("ASSISTANT_HOST", "127.0.0.1"),
        rasa_port=int(env.get("ASSISTANT_RASA_PORT", "5005")),
        action_port=int(env.get("ASSISTANT_ACTION_PORT", "5055")),
        portal_port=int(env.get("ASSISTANT_PORTAL_PORT", "8000")),
        tracker_cache_conversations=int(env.get("ASSISTANT_TRACKER_CACHE_CONVERSATIONS") or "500"),
        rasa_concurrency=int(env.get("ASSISTANT_RASA_CONCURRENCY") or "4"),
    )

"""The systems bench/load.py measures, each started on free ports with fresh databases and stopped
after: the two profiles of assistant.stack, as `make run` starts them ("embedded", the default, and
"production"), and "starter", Rasa's own starter bot, the reference."""
from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from assistant.services import free_port, free_port_block
from bench import starter_bot

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("embedded", "production", "starter")


@dataclass
class System:
    name: str
    rest_url: str
    database_url: Optional[str]   # the knowledge store (diary entries, flags); None for the starter bot
    tracker_url: Optional[str]
    services: List = field(default_factory=list)   # assistant.services.Service


def seeded_database(url: str) -> None:
    """A fresh knowledge store: migrated, with the seed content (what ``make db`` does)."""
    from assistant.db import session_scope
    from assistant.knowledge.seed import load_seed
    from assistant.migrate import upgrade

    upgrade(url)
    with session_scope(url) as session:
        load_seed(session, ROOT / "content" / "topics")


def _ports(work: Path) -> Dict[str, str]:
    """Free ports for every server of a stack, and what the bench needs of its environment."""
    return {"ASSISTANT_RASA_PORT": str(free_port_block(2)), "ASSISTANT_ACTION_PORT": str(free_port_block(2)),
            "ASSISTANT_PORTAL_PORT": str(free_port()), "ASSISTANT_PROXY_PORT": str(free_port()),
            "ASSISTANT_ACTION_PROXY_PORT": str(free_port()), "ASSISTANT_NGINX_DIR": str(work / "nginx"),
            "ASSISTANT_SECRET_KEY": "bench-load", "ASSISTANT_ALERT_WEBHOOK_URL": ""}  # the bench alerts nobody


@contextlib.contextmanager
def _stack(profile: str, work: Path, database_url: str, tracker_url: str) -> Iterator[System]:
    """A profile of assistant.stack (what `make run` starts) on the given fresh databases."""
    from assistant.stack import running_stack

    overrides = dict(_ports(work), ASSISTANT_DATABASE_URL=database_url, RASA_TRACKER_STORE_URL=tracker_url)
    with running_stack(profile, overrides, log_dir=work) as stack:
        yield System(profile, stack.rest_url, stack.database_url, stack.tracker_url, list(stack.services))


@contextlib.contextmanager
def _embedded(work: Path) -> Iterator[System]:
    """The default: one Rasa server, one action server (and the portal), SQLite knowledge store and
    tracker store, each a new file here."""
    database_url = f"sqlite:///{work / 'assistant.db'}"
    seeded_database(database_url)
    with _stack("embedded", work, database_url, f"sqlite:///{work / 'tracker.db'}") as system:
        yield system


@contextlib.contextmanager
def _production(work: Path) -> Iterator[System]:
    """PostgreSQL (two new databases on the project's server, dropped after), Redis, nginx, 2 Rasa
    servers and 2 action servers; the stack migrates and seeds the knowledge store."""
    from assistant.scratch_databases import scratch_postgres

    with scratch_postgres("bench_load") as (database_url, tracker_url):
        with _stack("production", work, database_url, tracker_url) as system:
            yield system


@contextlib.contextmanager
def _starter(work: Path) -> Iterator[System]:
    from assistant.services import Service, stop, wait_until_ready

    starter_bot.prepare(work / "starter-init.log")
    port = free_port()
    service = Service("rasa", starter_bot.start(port, work / "rasa.log"), f"http://127.0.0.1:{port}/")
    try:
        wait_until_ready(service)
        yield System("starter", f"http://127.0.0.1:{port}/webhooks/rest/webhook", None, None, [service])
    finally:
        stop([service])


@contextlib.contextmanager
def running_system(name: str, work: Path) -> Iterator[System]:
    """Start ``name`` with its logs and databases in ``work`` (emptied first); stop it on exit."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    starters = {"embedded": _embedded, "production": _production, "starter": _starter}
    with starters[name](work) as system:
        yield system

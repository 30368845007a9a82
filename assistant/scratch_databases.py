"""Throw-away databases for benchmarks and end-to-end tests of a whole stack, on the project's own
PostgreSQL (``scripts/postgres``): created empty, dropped afterwards. ``assistant.stack`` migrates
and seeds the knowledge store and creates Rasa's table when the stack starts."""
from __future__ import annotations

import subprocess
import uuid
from contextlib import contextmanager
from typing import Iterator, Tuple

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from assistant.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "postgres"


def _script(*args: str) -> str:
    result = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, cwd=PROJECT_ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"scripts/postgres {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


@contextmanager
def scratch_postgres(prefix: str = "scratch") -> Iterator[Tuple[str, str]]:
    """Start the project's PostgreSQL if needed and yield (knowledge store URL, tracker store URL)
    of two new databases, dropped (connections and all) when the block ends."""
    _script("start")
    admin_url = _script("url", "postgres")
    names = [f"{prefix}_{uuid.uuid4().hex[:8]}_{kind}" for kind in ("assistant", "rasa")]
    # a new connection each time: the server may have been restarted meanwhile (fault tests do that)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True, poolclass=NullPool)
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield tuple(admin_url.rsplit("/", 1)[0] + "/" + name for name in names)
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

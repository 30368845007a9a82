"""The ``assistant`` console script, run as operators run it (a real process, a real database)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ASSISTANT = str(Path(sys.executable).parent / "assistant")


def cli(*args, db_url):
    env = dict(os.environ, ASSISTANT_DATABASE_URL=db_url)
    return subprocess.run([ASSISTANT, *args], capture_output=True, text=True, env=env, timeout=120)


def test_db_upgrade_and_seed_are_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for _ in range(2):
        assert cli("db", "upgrade", db_url=url).returncode == 0
    first = cli("content", "seed", db_url=url)
    second = cli("content", "seed", db_url=url)
    assert first.returncode == second.returncode == 0
    assert "31 topics created" in first.stdout
    assert "0 topics created, 0 texts published, 0 synonyms added, 0 removed" in second.stdout


def test_list_shows_every_topic_and_aspect(seeded_db_url):
    result = cli("content", "list", "--json", db_url=seeded_db_url)
    rows = json.loads(result.stdout)
    assert {(r["slug"], r["aspect"]) for r in rows} >= {("spinal-cord-stimulation", "risks"), ("imaging", "overview")}
    assert all(r["latest_status"] == "published" for r in rows)
    table = cli("content", "list", db_url=seeded_db_url).stdout
    assert "spinal-cord-stimulation" in table and "what-to-expect" in table


def test_show_prints_the_published_text(seeded_db_url):
    result = cli("content", "show", "opioids", "risks", db_url=seeded_db_url)
    assert result.returncode == 0
    assert "## risks  (version 1, by seed)" in result.stdout and "care team" in result.stdout


def test_publish_makes_the_file_the_live_text(seeded_db_url, tmp_path):
    text = tmp_path / "scs.md"
    text.write_text("Spinal cord stimulation, edited by the CLI. Ask your care team.\n", encoding="utf-8")
    result = cli("content", "publish", "spinal-cord-stimulation", "overview", str(text), "--author", "Ann Editor",
                 db_url=seeded_db_url)
    assert result.returncode == 0, result.stderr
    assert "version 2" in result.stdout
    shown = cli("content", "show", "spinal-cord-stimulation", "overview", db_url=seeded_db_url).stdout
    assert "edited by the CLI" in shown and "by Ann Editor" in shown


@pytest.mark.parametrize("args, message", [
    (["content", "show", "no-such-topic"], "unknown topic 'no-such-topic'"),
    (["content", "show", "opioids", "price"], "unknown aspect 'price'"),
    (["content", "publish", "opioids", "overview", "/no/such/file", "--author", "x"], "no such file"),
])
def test_mistakes_get_a_clear_message_and_exit_status_2(seeded_db_url, args, message):
    result = cli(*args, db_url=seeded_db_url)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_publish_of_an_empty_file_is_refused(seeded_db_url, tmp_path):
    empty = tmp_path / "empty.md"
    empty.write_text("   \n", encoding="utf-8")
    result = cli("content", "publish", "opioids", "overview", str(empty), "--author", "x", db_url=seeded_db_url)
    assert result.returncode == 2 and "cannot be empty" in result.stderr


def test_export_round_trips_through_seed(seeded_db_url, tmp_path):
    out = tmp_path / "export"
    assert cli("content", "export", str(out), db_url=seeded_db_url).returncode == 0
    assert len(list(out.glob("*.md"))) == 31
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    cli("db", "upgrade", db_url=fresh)
    loaded = cli("content", "seed", "--dir", str(out), db_url=fresh)
    assert loaded.returncode == 0 and "31 topics created" in loaded.stdout
    original = cli("content", "show", "imaging", db_url=seeded_db_url).stdout
    assert cli("content", "show", "imaging", db_url=fresh).stdout == original


def cli_input(*args, db_url, stdin):
    env = dict(os.environ, ASSISTANT_DATABASE_URL=db_url)
    return subprocess.run([ASSISTANT, *args], capture_output=True, text=True, env=env, timeout=120, input=stdin)


def test_users_create_list_disable_and_password(db_url):
    created = cli_input("users", "create", "nina", "--role", "nurse", "--name", "Nina Nurse", "--password-stdin",
                        db_url=db_url, stdin="a long enough password\n")
    assert created.returncode == 0 and "created nurse nina" in created.stdout
    assert "a long enough password" not in created.stdout + created.stderr  # never echoed
    duplicate = cli_input("users", "create", "nina", "--role", "nurse", "--password-stdin", db_url=db_url,
                          stdin="a long enough password\n")
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    weak = cli_input("users", "create", "eve", "--role", "editor", "--password-stdin", db_url=db_url, stdin="short\n")
    assert weak.returncode == 2 and "at least 12" in weak.stderr
    bad_role = cli("users", "create", "eve", "--role", "root", db_url=db_url)
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    assert cli("users", "disable", "nina", db_url=db_url).returncode == 0
    users = json.loads(cli("users", "list", "--json", db_url=db_url).stdout)
    assert [(u["username"], u["role"], u["active"]) for u in users] == [("nina", "nurse", False)]
    assert cli("users", "enable", "nina", db_url=db_url).returncode == 0
    changed = cli_input("users", "password", "nina", "--password-stdin", db_url=db_url, stdin="another long password\n")
    assert changed.returncode == 0
    from assistant.db import session_scope
    from assistant.staff.accounts import authenticate
    with session_scope(db_url) as session:
        assert authenticate(session, "nina", "another long password").ok
    assert cli("users", "disable", "nobody", db_url=db_url).returncode == 2

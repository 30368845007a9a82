"""Rasa's own starter bot (``rasa init``) as the latency reference for bench/load.py.

Created and trained once under var/bench/starter (the trained model is kept there, so a re-run
starts it in seconds plus Rasa's load time); served with ``rasa run`` on a port of the caller's
choosing. It knows greetings, moods and "are you a bot?": the texts below are what its patients say.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
STARTER_DIR = ROOT / "var" / "bench" / "starter"
BIN_DIR = Path(sys.executable).parent

# What a starter-bot user says, in an order its stories follow (greet, mood, help?, bot?, bye).
TEXTS = ("hello", "I am feeling great", "hi there", "I am sad", "yes", "are you a bot?", "good morning",
         "very good", "hey", "not good", "no", "goodbye", "good evening", "perfect", "am I talking to a human?",
         "bye")


def _environment() -> Dict[str, str]:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    env.pop("RASA_TRACKER_STORE_URL", None)
    return env


def model_path() -> Optional[Path]:
    models = sorted((STARTER_DIR / "models").glob("*.tar.gz"))
    return models[-1] if models else None


def prepare(log: Path) -> Path:
    """The starter bot's trained model: ``rasa init --no-prompt`` (which trains) the first time only."""
    existing = model_path()
    if existing:
        return existing
    STARTER_DIR.mkdir(parents=True, exist_ok=True)  # `rasa init --no-prompt` wants it to exist
    with open(log, "ab") as output:
        subprocess.run([str(BIN_DIR / "rasa"), "init", "--no-prompt", "--init-dir", str(STARTER_DIR)],
                       cwd=STARTER_DIR.parent, env=_environment(), stdout=output, stderr=subprocess.STDOUT,
                       check=True)
    trained = model_path()
    if trained is None:
        raise RuntimeError(f"rasa init left no model under {STARTER_DIR / 'models'}; see {log}")
    return trained


def run_command(port: int) -> List[str]:
    """``rasa run`` for the starter bot: REST channel from its own credentials.yml, in-memory trackers."""
    return [str(BIN_DIR / "rasa"), "run", "-i", "127.0.0.1", "-p", str(port), "-m", str(model_path()),
            "--credentials", str(STARTER_DIR / "credentials.yml"), "--endpoints", str(STARTER_DIR / "endpoints.yml")]


def start(port: int, log: Path) -> subprocess.Popen:
    output = open(log, "ab")
    return subprocess.Popen(run_command(port), cwd=STARTER_DIR, env=_environment(), stdout=output,
                            stderr=subprocess.STDOUT, start_new_session=True)


if __name__ == "__main__":
    STARTER_DIR.parent.mkdir(parents=True, exist_ok=True)
    print(prepare(STARTER_DIR.parent / "starter-init.log"))

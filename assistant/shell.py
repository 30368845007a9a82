"""``make shell``: chat with the assistant in the terminal (``rasa shell``) with the action server up."""
from __future__ import annotations

import subprocess
import sys

from assistant.services import BIN_DIR, MODEL_PATH, VAR_DIR, service_environment, start_action_server, stop, \
    wait_until_ready


def main() -> int:
    env = service_environment()
    (VAR_DIR / "log").mkdir(parents=True, exist_ok=True)
    actions = start_action_server(env, VAR_DIR / "log" / "actions.log")
    try:
        wait_until_ready(actions)
        return subprocess.call([str(BIN_DIR / "rasa"), "shell", "-m", str(MODEL_PATH),
                                "--endpoints", "endpoints.yml"], env=env)
    finally:
        stop([actions])


if __name__ == "__main__":
    sys.exit(main())

"""``assistant serve``: start every service of the profile, print how to talk to it, stop all on Ctrl-C."""
from __future__ import annotations

import os
import signal
import sys
import time

from assistant.config import load_settings
from assistant.services import MODEL_PATH
from assistant.stack import Stack, profile_name, start_stack


def serve() -> int:
    if not MODEL_PATH.exists():
        print(f"no trained model at {MODEL_PATH}: run `make run` (it trains when needed)", file=sys.stderr)
        return 2
    try:
        profile = profile_name(os.environ)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    stack: Stack = None

    def shutdown(*_):
        print("\nstopping ...", flush=True)
        if stack is not None:
            stack.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    what = ("PostgreSQL, Redis, two action servers, two Rasa servers, the portal and nginx"
            if profile == "production" else "the action server, the Rasa server and the portal")
    print(f"starting {what} (a Rasa server takes about 40 s to load its model) ...", flush=True)
    try:
        stack = start_stack()
    except (RuntimeError, TimeoutError, ValueError) as error:
        print(f"could not start: {error}; see var/log/", file=sys.stderr)
        return 1
    print(_banner(stack), flush=True)
    while True:
        failed = stack.stopped_unexpectedly()
        if failed is not None:
            print(f"{failed.name} stopped unexpectedly (status {failed.process.returncode}); "
                  "stopping everything. See var/log/.", file=sys.stderr)
            stack.stop()
            return 1
        time.sleep(1)


def _banner(stack: Stack) -> str:
    settings = load_settings(stack.env)
    base = stack.rest_url.rsplit("/webhooks/", 1)[0]
    logs = ", ".join(f"var/log/{s.name}.log" for s in stack.services if s.name != "nginx")
    accounts = "assistant users create NAME --role nurse"
    if stack.profile == "production":
        accounts = f"ASSISTANT_DATABASE_URL='{stack.database_url}' .venv/bin/{accounts}"
        backing = (f"\n  Databases:  knowledge store and tracker store on PostgreSQL, locks on Redis"
                   f"\n  Proxy:      nginx, logs in var/nginx/ (no client addresses, no query strings)")
    else:
        backing = (f"\n  Actions:    http://{settings.host}:{settings.action_port}/health"
                   f"\n  Databases:  SQLite in var/")
    return f"""
The assistant is running. Profile: {stack.profile}.
  Patients:   {stack.public_url}/
  Staff:      {stack.public_url}/staff/login
              accounts: {accounts}
  REST:       {stack.rest_url}
  socket.io:  {base}/socket.io{backing}
  Logs:       {logs}

Try it:
  curl -s -XPOST {stack.rest_url} -H 'Content-Type: application/json' \\
       -d '{{"sender": "demo", "message": "what is spinal cord stimulation?"}}'
or chat in the terminal:  make shell

Press Ctrl-C to stop every service."""

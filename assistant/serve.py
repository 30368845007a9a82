"""``assistant serve``: start every service, print how to talk to it, stop all on Ctrl-C."""
from __future__ import annotations

import signal
import sys
import time

from assistant.config import load_settings
from assistant.services import (
    MODEL_PATH, VAR_DIR, service_environment, start_action_server, start_alert_sender, start_portal, start_rasa_server,
    stop, wait_until_ready,
)


def serve() -> int:
    if not MODEL_PATH.exists():
        print(f"no trained model at {MODEL_PATH}: run `make run` (it trains when needed)", file=sys.stderr)
        return 2
    settings = load_settings()
    env = service_environment()
    (VAR_DIR / "log").mkdir(parents=True, exist_ok=True)
    services = []

    def shutdown(*_):
        print("\nstopping ...", flush=True)
        stop(services)
        sys.exit(0)

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    try:
        services.append(start_action_server(env, VAR_DIR / "log" / "actions.log"))
        services.append(start_rasa_server(env, settings.rasa_port, VAR_DIR / "log" / "rasa.log",
                                          cors=f"http://{settings.host}:{settings.portal_port}"))
        services.append(start_portal(env, VAR_DIR / "log" / "portal.log"))
        alerts = start_alert_sender(env, VAR_DIR / "log" / "alerts.log")
        if alerts is not None:
            services.append(alerts)
        print("starting the action server, the Rasa server (the model takes about 40 s to load) and the portal ...",
              flush=True)
        for service in services:
            wait_until_ready(service)
    except (RuntimeError, TimeoutError) as error:
        print(f"could not start: {error}; see var/log/", file=sys.stderr)
        stop(services)
        return 1
    base = f"http://{settings.host}:{settings.rasa_port}"
    alerts_log = ", var/log/alerts.log (webhook alerts)" if alerts is not None else ""
    print(f"""
The assistant is running.
  REST:       {base}/webhooks/rest/webhook
  socket.io:  {base}/socket.io
  Actions:    http://{settings.host}:{settings.action_port}/health
  Staff:      http://{settings.host}:{settings.portal_port}/staff/login  (accounts: assistant users create NAME --role nurse)
  Logs:       var/log/rasa.log, var/log/actions.log, var/log/portal.log{alerts_log}

Try it:
  curl -s -XPOST {base}/webhooks/rest/webhook -H 'Content-Type: application/json' \\
       -d '{{"sender": "demo", "message": "what is spinal cord stimulation?"}}'
or chat in the terminal:  make shell

Press Ctrl-C to stop every service.""", flush=True)
    while True:
        for service in services:
            if service.process.poll() is not None:
                print(f"{service.name} server stopped unexpectedly (status {service.process.returncode}); "
                      "stopping everything. See var/log/.", file=sys.stderr)
                stop(services)
                return 1
        time.sleep(1)

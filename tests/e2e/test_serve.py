"""``assistant serve`` (what ``make run`` starts): everything comes up, and Ctrl-C stops it all."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port

pytestmark = pytest.mark.e2e


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_serve_starts_every_service_and_ctrl_c_stops_them(seeded_db_url, tmp_path):
    rasa_port, action_port, portal_port = free_port(), free_port(), free_port()
    env = dict(os.environ, ASSISTANT_DATABASE_URL=seeded_db_url, ASSISTANT_RASA_PORT=str(rasa_port),
               ASSISTANT_ACTION_PORT=str(action_port), ASSISTANT_PORTAL_PORT=str(portal_port),
               ASSISTANT_ACTION_URL=f"http://127.0.0.1:{action_port}/webhook",
               RASA_TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'tracker.db'}")
    serve = subprocess.Popen([str(Path(sys.executable).parent / "assistant"), "serve"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = serve.stdout.readline()
            lines.append(line)
            if "Press Ctrl-C" in line or serve.poll() is not None:
                break
        output = "".join(lines)
        assert "The assistant is running." in output, output
        assert f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook" in output
        request = urllib.request.Request(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
            data=json.dumps({"sender": "serve-test", "message": "what is an emg"}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert "EMG" in response.read().decode()
        assert f"http://127.0.0.1:{portal_port}/staff/login" in output
        with urllib.request.urlopen(f"http://127.0.0.1:{portal_port}/staff/login", timeout=10) as response:
            assert "Staff log in" in response.read().decode()
        assert port_open(rasa_port) and port_open(action_port) and port_open(portal_port)

        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=60) == 0
        time.sleep(1)
        assert not any(port_open(port) for port in (rasa_port, action_port, portal_port))
    finally:
        if serve.poll() is None:
            serve.kill()

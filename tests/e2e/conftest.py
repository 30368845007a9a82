"""Real servers on 127.0.0.1 for end-to-end tests: the action server and the Rasa server,
on free ports, with their own knowledge-store and tracker databases."""
from __future__ import annotations

import json
import socket
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import pytest

from assistant.services import (
    Service, service_environment, start_action_server, start_portal, start_rasa_server, stop, wait_until_ready,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Servers:
    env: Dict[str, str]
    rasa_port: int
    log_dir: Path
    db_url: str
    services: List[Service] = field(default_factory=list)

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def start_rasa(self) -> Service:
        service = start_rasa_server(self.env, self.rasa_port, self.log_dir / "rasa.log")
        self.services.append(service)
        wait_until_ready(service)
        return service

    def stop_rasa(self) -> None:
        rasa = [s for s in self.services if s.name == "rasa"]
        stop(rasa)
        self.services = [s for s in self.services if s.name != "rasa"]

    def send(self, sender: str, message, raw: bytes = None, content_type="application/json"):
        return post(self.rest_url, sender, message, raw=raw, content_type=content_type)


def post(url: str, sender: str, message, raw: bytes = None, content_type="application/json", timeout: float = 60):
    """POST one message to a REST channel; returns (status, parsed JSON or text)."""
    data = raw if raw is not None else json.dumps({"sender": sender, "message": message}).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.fixture(scope="session")
def servers(_seeded_template, tmp_path_factory):
    work = tmp_path_factory.mktemp("e2e")
    db = work / "assistant.db"
    db.write_bytes(_seeded_template.read_bytes())
    db_url = f"sqlite:///{db}"
    env = service_environment({
        "ASSISTANT_DATABASE_URL": db_url,
        "ASSISTANT_ACTION_PORT": str(free_port()),
        "RASA_TRACKER_STORE_URL": f"sqlite:///{work / 'tracker.db'}",
    })
    env["ASSISTANT_ACTION_URL"] = f"http://127.0.0.1:{env['ASSISTANT_ACTION_PORT']}/webhook"
    running = Servers(env=env, rasa_port=free_port(), log_dir=work, db_url=db_url)
    actions = start_action_server(env, work / "actions.log")
    running.services.append(actions)
    try:
        wait_until_ready(actions)
        running.start_rasa()
        yield running
    finally:
        stop(running.services)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@dataclass
class Portal:
    url: str
    service: Service


@pytest.fixture(scope="session")
def portal(servers):
    """The portal (waitress) on the same database and tracker store as the running bot."""
    env = dict(servers.env, ASSISTANT_PORTAL_PORT=str(free_port()), ASSISTANT_SECRET_KEY="e2e-secret",
               ASSISTANT_RASA_PORT=str(servers.rasa_port))
    service = start_portal(env, servers.log_dir / "portal.log")
    try:
        wait_until_ready(service, timeout=60)
        yield Portal(f"http://127.0.0.1:{env['ASSISTANT_PORTAL_PORT']}", service)
    finally:
        stop([service])


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser). Module scope: Playwright's
    sync API runs an event loop in this thread while it is open, which later tests that call
    ``asyncio.run()`` (the rasa-sdk action tests) must not inherit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()

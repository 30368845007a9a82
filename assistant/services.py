"""Start, watch and stop the assistant's server processes (used by ``make run`` and the tests).

Every server binds to ``ASSISTANT_HOST`` (127.0.0.1 by default). Environment defaults for
endpoints.yml are filled in here, so that one variable per setting is all a user sets.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from assistant.config import PROJECT_ROOT, load_settings

MODEL_PATH = PROJECT_ROOT / "models" / "assistant.tar.gz"
VAR_DIR = PROJECT_ROOT / "var"
BIN_DIR = Path(sys.executable).parent


def free_port() -> int:
    """A port nothing listens on now (tests and benchmarks run their servers on such ports)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_block(count: int) -> int:
    """A base port with ``count`` free ports from it (a stack's replicas listen on base, base+1, ...)."""
    for _ in range(200):
        base = free_port()
        sockets = []
        try:
            for port in range(base, base + count):
                sockets.append(socket.socket())
                sockets[-1].bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no block of free ports")


def _default_tracker_url() -> str:
    return f"sqlite:///{VAR_DIR / 'rasa_tracker.db'}"


def api_token() -> str:
    """The Rasa HTTP API token: RASA_API_TOKEN, or one generated once into var/."""
    token = os.environ.get("RASA_API_TOKEN")
    if token:
        return token
    path = VAR_DIR / "rasa_api_token"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def service_environment(overrides: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment every server process runs with."""
    env = dict(os.environ)
    env.update(overrides or {})
    settings = load_settings(env)
    env.setdefault("ASSISTANT_DATABASE_URL", settings.database_url)
    env.setdefault("ASSISTANT_ACTION_URL", f"http://{settings.host}:{settings.action_port}/webhook")
    env.setdefault("RASA_TRACKER_STORE_URL", _default_tracker_url())
    env.setdefault("RASA_LOCK_STORE_TYPE", "in_memory")  # one Rasa server; "redis" when there are several
    env.setdefault("RASA_LOCK_STORE_HOST", "127.0.0.1")
    env.setdefault("RASA_LOCK_STORE_PORT", env.get("ASSISTANT_REDIS_PORT", "56379"))
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["SANIC_HOST"] = settings.host  # `rasa run actions` has no --interface option
    # The action server must keep idle connections longer than Rasa's client reuses them (aiohttp: 15 s);
    # Sanic's 5 s default made a busy Rasa write to closing connections ("try again" under load).
    env.setdefault("SANIC_KEEP_ALIVE_TIMEOUT", "75")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    url: str


def _start(args: List[str], env: Dict[str, str], log: Optional[Path]) -> subprocess.Popen:
    output = open(log, "ab") if log else None
    return subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT if log else None,
                            start_new_session=True)


def start_action_server(env: Dict[str, str], log: Optional[Path] = None, port: Optional[int] = None) -> Service:
    port = port or load_settings(env).action_port
    process = _start([str(BIN_DIR / "rasa"), "run", "actions", "--actions", "actions", "-p", str(port)],
                     env, log)
    return Service("actions", process, f"http://{env['SANIC_HOST']}:{port}/health")


def start_rasa_server(env: Dict[str, str], port: int, log: Optional[Path] = None,
                      model: Path = MODEL_PATH, cors: Optional[str] = None) -> Service:
    host = env["SANIC_HOST"]
    args = [str(BIN_DIR / "rasa"), "run", "--enable-api", "--auth-token", api_token(),
            "-i", host, "-p", str(port), "-m", str(model),
            "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]
    if cors:
        args += ["--cors", cors]
    process = _start(args, env, log)
    return Service("rasa", process, f"http://{host}:{port}/")


def start_portal(env: Dict[str, str], log: Optional[Path] = None) -> Service:
    """The staff portal and patient page (waitress); the alert sender is started beside it by
    ``start_alert_sender``."""
    settings = load_settings(env)
    process = _start([str(BIN_DIR / "python"), "-m", "assistant.portal.server"], env, log)
    return Service("portal", process, f"http://{settings.host}:{settings.portal_port}/healthz")


def start_alert_sender(env: Dict[str, str], log: Optional[Path] = None) -> Optional[Service]:
    """The webhook alert sender (``python -m assistant.alerts.sender``), only when a webhook URL is set;
    an unusable URL stops start-up with the reason (RuntimeError). The sender has no HTTP endpoint:
    its ``url`` is empty and ``wait_until_ready`` only checks that it stays up."""
    from assistant.alerts.config import AlertConfigError, check_url

    url = (env.get("ASSISTANT_ALERT_WEBHOOK_URL") or "").strip()
    if not url:
        return None
    try:
        check_url(url)
    except AlertConfigError as error:
        raise RuntimeError(str(error)) from error
    process = _start([str(BIN_DIR / "python"), "-m", "assistant.alerts.sender"], env, log)
    return Service("alerts", process, "")


def wait_until_ready(service: Service, timeout: float = 180.0) -> None:
    """Poll the service's URL until it answers; fail early if the process died. A service without
    a URL (the alert sender) only has to stay alive for a moment."""
    if not service.url:
        time.sleep(1.0)
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with status {service.process.returncode}")
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} server exited with status {service.process.returncode}")
        try:
            with urllib.request.urlopen(service.url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{service.name} server not ready after {timeout:.0f} s")


def stop(services: List[Service], timeout: float = 20.0) -> None:
    """Stop every process group started here: SIGTERM, then SIGKILL after ``timeout``."""
    for service in services:
        if service.process.poll() is None:
            try:
                os.killpg(service.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for service in services:
        try:
            service.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()

"""Every process of one profile, started together, watched together and stopped together.

``embedded`` (the default): one action server, one Rasa server and the portal, on SQLite (knowledge
store and Rasa's tracker store) with Rasa's in-memory lock store.

``production``: the same code on PostgreSQL (knowledge store, diary, flags, audit log, and Rasa's
tracker store) with Redis as Rasa's lock store, ``ASSISTANT_RASA_REPLICAS`` Rasa servers and
``ASSISTANT_ACTION_REPLICAS`` action servers (2 each by default), and nginx in front of them all.
PostgreSQL and Redis are started by ``scripts/postgres`` and ``scripts/redis`` unless their
addresses are given (``ASSISTANT_DATABASE_URL`` with ``RASA_TRACKER_STORE_URL``, ``RASA_LOCK_STORE_HOST``).

Everything is chosen by environment variables (README, "Configuration"); ``assistant serve`` and the
load benchmark and fault tests all start their systems here: ``running_stack("production", overrides)``
with fresh databases from ``assistant.scratch_databases.scratch_postgres()`` as ASSISTANT_DATABASE_URL
and RASA_TRACKER_STORE_URL, and free ports as ASSISTANT_*_PORT.
"""
from __future__ import annotations

import os
import signal
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional

from assistant.config import PROJECT_ROOT, load_settings
from assistant.services import (
    BIN_DIR, VAR_DIR, Service, service_environment, start_action_server, start_alert_sender, start_portal,
    start_rasa_server, stop, wait_until_ready,
)

PROFILES = ("embedded", "production")
NGINX = "/usr/sbin/nginx"
NGINX_TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.template"
SCRIPTS = PROJECT_ROOT / "scripts"


@dataclass
class Stack:
    """The running processes of one profile and the addresses a user (or a test) talks to."""
    profile: str
    env: Dict[str, str]
    log_dir: Path
    public_url: str  # patient page and staff portal (nginx in production)
    rest_url: str  # the REST channel, through nginx in production
    services: List[Service] = field(default_factory=list)
    _starters: Dict[str, Callable[[], Service]] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return self.env["ASSISTANT_DATABASE_URL"]

    @property
    def tracker_url(self) -> str:
        return self.env["RASA_TRACKER_STORE_URL"]

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def kill(self, name: str) -> None:
        """Stop one process at once (SIGKILL, as a crash would), leaving the rest running."""
        service = self.service(name)
        try:
            os.killpg(service.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        service.process.wait()
        self.services.remove(service)

    def restart(self, name: str) -> Service:
        """Start a process again that ``kill`` stopped (or that died), and wait until it answers."""
        if any(s.name == name for s in self.services):
            self.kill(name)
        service = self._starters[name]()
        self.services.append(service)
        wait_until_ready(service)
        return service

    def stopped_unexpectedly(self) -> Optional[Service]:
        return next((s for s in self.services if s.process.poll() is not None), None)

    def stop(self) -> None:
        stop(self.services)
        self.services.clear()


def profile_name(env: Mapping[str, str]) -> str:
    name = (env.get("ASSISTANT_PROFILE") or "embedded").strip().lower()
    if name not in PROFILES:
        raise ValueError(f"ASSISTANT_PROFILE must be one of {', '.join(PROFILES)}, not {name!r}")
    return name


def start_stack(profile: Optional[str] = None, overrides: Optional[Mapping[str, str]] = None,
                log_dir: Optional[Path] = None) -> Stack:
    """Start every process of ``profile`` (default: ``ASSISTANT_PROFILE``, else embedded) and wait until
    each answers; on failure, stop what was started and raise (RuntimeError or TimeoutError)."""
    env = dict(os.environ)
    env.update(overrides or {})
    if profile:
        env["ASSISTANT_PROFILE"] = profile
    profile = profile_name(env)
    log_dir = log_dir or VAR_DIR / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    if profile == "production":
        env = _production_environment(env)
        _prepare_databases(env)
    env = service_environment(env)
    settings = load_settings(env)
    direct = f"http://{settings.host}:{settings.portal_port}"
    if profile == "production":
        public = f"http://{settings.host}:{_port(env, 'ASSISTANT_PROXY_PORT', 8080)}"
        rest = f"{public}/webhooks/rest/webhook"
    else:
        public = direct
        rest = f"http://{settings.host}:{settings.rasa_port}/webhooks/rest/webhook"
    stack = Stack(profile, env, log_dir, public, rest)
    cors = public
    rasa_replicas = _replicas(env, "ASSISTANT_RASA_REPLICAS") if profile == "production" else 1
    action_replicas = _replicas(env, "ASSISTANT_ACTION_REPLICAS") if profile == "production" else 1

    def add(name: str, starter: Callable[[], Service]) -> None:
        def named() -> Service:
            service = starter()
            service.name = name
            return service
        stack._starters[name] = named
        stack.services.append(named())

    def replica_name(kind: str, index: int, count: int) -> str:
        return kind if count == 1 else f"{kind}-{index + 1}"

    try:
        for i in range(action_replicas):
            name = replica_name("actions", i, action_replicas)
            port = settings.action_port + i
            add(name, lambda name=name, port=port: start_action_server(env, log_dir / f"{name}.log", port=port))
        for i in range(rasa_replicas):
            name = replica_name("rasa", i, rasa_replicas)
            port = settings.rasa_port + i
            add(name, lambda name=name, port=port: start_rasa_server(env, port, log_dir / f"{name}.log", cors=cors))
        add("portal", lambda: start_portal(env, log_dir / "portal.log"))
        if profile == "production":
            nginx_dir = _write_nginx_config(env, settings, rasa_replicas, action_replicas)
            add("nginx", lambda: _start_nginx(nginx_dir, f"{public}/healthz"))
        alerts = start_alert_sender(env, log_dir / "alerts.log")
        if alerts is not None:
            stack._starters["alerts"] = lambda: start_alert_sender(env, log_dir / "alerts.log")
            stack.services.append(alerts)
        for service in stack.services:
            wait_until_ready(service)
    except BaseException:
        stack.stop()
        raise
    return stack


@contextmanager
def running_stack(profile: Optional[str] = None, overrides: Optional[Mapping[str, str]] = None,
                  log_dir: Optional[Path] = None) -> Iterator[Stack]:
    stack = start_stack(profile, overrides, log_dir)
    try:
        yield stack
    finally:
        stack.stop()


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    return int(env.get(name) or default)


def _replicas(env: Mapping[str, str], name: str) -> int:
    count = int(env.get(name) or 2)
    if not 1 <= count <= 16:
        raise ValueError(f"{name} must be between 1 and 16")
    return count


def _run_script(*args: str) -> str:
    result = subprocess.run([str(SCRIPTS / args[0]), *args[1:]], cwd=PROJECT_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"scripts/{' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def _production_environment(env: Dict[str, str]) -> Dict[str, str]:
    """Fill in what production needs and was not given: the project's own PostgreSQL and Redis
    (started now), Redis as the lock store, and nginx's address as the public one."""
    env = dict(env)
    if not env.get("ASSISTANT_DATABASE_URL"):
        _run_script("postgres", "start")
        env["ASSISTANT_DATABASE_URL"] = _run_script("postgres", "url", "assistant")
        env.setdefault("RASA_TRACKER_STORE_URL", _run_script("postgres", "url", "rasa"))
    if not env.get("RASA_TRACKER_STORE_URL"):
        raise RuntimeError("production profile: ASSISTANT_DATABASE_URL is set, so RASA_TRACKER_STORE_URL must be too")
    if not env.get("RASA_LOCK_STORE_HOST"):
        _run_script("redis", "start")
        env["RASA_LOCK_STORE_HOST"] = "127.0.0.1"
        env["RASA_LOCK_STORE_PORT"] = env.get("ASSISTANT_REDIS_PORT", "56379")
    env["RASA_LOCK_STORE_TYPE"] = "assistant.rasa_components.lock_store.AtomicRedisLockStore"
    # A Rasa server that dies holding a conversation's lock blocks that conversation until the lock
    # expires: Rasa's 60 s default would outlast a patient's patience (and a client's timeout).
    env.setdefault("TICKET_LOCK_LIFETIME", "15")
    host = env.get("ASSISTANT_HOST", "127.0.0.1")
    proxy = f"http://{host}:{_port(env, 'ASSISTANT_PROXY_PORT', 8080)}"
    env.setdefault("ASSISTANT_PUBLIC_URL", proxy)
    env.setdefault("ASSISTANT_RASA_PUBLIC_URL", proxy)
    env.setdefault("ASSISTANT_ACTION_URL", f"http://{host}:{_port(env, 'ASSISTANT_ACTION_PROXY_PORT', 5054)}/webhook")
    return env


def _prepare_databases(env: Dict[str, str]) -> None:
    """Migrate and seed the knowledge store (both idempotent), and create Rasa's ``events`` table
    before several Rasa servers start at once and race to create it."""
    for args in (["db", "upgrade"], ["content", "seed"]):
        result = subprocess.run([str(BIN_DIR / "assistant"), *args], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"assistant {' '.join(args)} failed: {result.stderr.strip()[-500:]}")
    from assistant.conversations import create_tracker_tables

    create_tracker_tables(env["RASA_TRACKER_STORE_URL"])


def _write_nginx_config(env: Mapping[str, str], settings, rasa_replicas: int, action_replicas: int) -> Path:
    """var/nginx/nginx.conf from deploy/nginx.conf.template, with temp directories nginx's workers can write."""
    directory = Path(env.get("ASSISTANT_NGINX_DIR") or VAR_DIR / "nginx")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    as_root = os.geteuid() == 0
    if as_root:  # nginx's workers run as nobody: let them write their buffers
        import pwd
        nobody = pwd.getpwnam("nobody")
        for path in (directory / "tmp", *(directory / "tmp").iterdir()):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    host = settings.host

    def servers(base: int, count: int) -> str:
        return "\n".join(f"        server {host}:{base + i} max_fails=1 fail_timeout=5s;" for i in range(count))

    values = {
        "DIR": str(directory),
        "USER": "user nobody nogroup;" if as_root else "",
        "HOST": host,
        "PROXY_PORT": str(_port(env, "ASSISTANT_PROXY_PORT", 8080)),
        "ACTION_PROXY_PORT": str(_port(env, "ASSISTANT_ACTION_PROXY_PORT", 5054)),
        "PORTAL_PORT": str(settings.portal_port),
        "RASA_SERVERS": servers(settings.rasa_port, rasa_replicas),
        "ACTION_SERVERS": servers(settings.action_port, action_replicas),
    }
    text = NGINX_TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    if "@" in "".join(line for line in text.splitlines() if not line.lstrip().startswith("#")):
        raise RuntimeError("deploy/nginx.conf.template has a placeholder stack.py does not fill")
    (directory / "nginx.conf").write_text(text)
    check = subprocess.run([NGINX, "-t", "-q", "-e", str(directory / "error.log"), "-p", str(directory),
                            "-c", str(directory / "nginx.conf")], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx rejected var/nginx/nginx.conf: {check.stderr.strip()}")
    return directory


def _start_nginx(directory: Path, health_url: str) -> Service:
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is not installed: run scripts/system-packages (make setup does)")
    log = open(directory / "nginx.out", "ab")
    process = subprocess.Popen([NGINX, "-e", str(directory / "error.log"), "-p", str(directory),
                                "-c", str(directory / "nginx.conf"), "-g", "daemon off;"],
                               cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return Service("nginx", process, health_url)

"""Send queued webhook alerts: ``python -m assistant.alerts.sender`` polls about once a second.

Each pass (``deliver_due``) claims the deliveries that are due, POSTs each one's JSON with a timeout,
records every attempt (status code or error, duration) and then marks the delivery delivered (2xx),
schedules a retry with exponential backoff, or gives up as failed after ``max_attempts``.

The payload names the flag and the patient record id only: no name, no evidence text, nothing the
patient wrote. Staff follow ``portal_url`` (behind the log-in) to see the rest. No database
transaction is held open while a request is in flight.
"""
from __future__ import annotations

import json
import logging
import signal
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from ipaddress import ip_address
from typing import Callable, List, Optional, Union
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.alerts.config import URL_VARIABLE, AlertConfigError, check_url, portal_base_url
from assistant.db import session_factory
from assistant.tables import as_utc
from assistant.tables import AlertAttempt, AlertDelivery, Flag

log = logging.getLogger("assistant.alerts")

TIMEOUT_SECONDS = 5.0
MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 10.0   # 10 s, 20 s, 40 s, ... between attempts: about 21 minutes over 8 attempts
MAX_BACKOFF_SECONDS = 3600.0
POLL_SECONDS = 1.0
BATCH = 50


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    flag_id: int
    status_code: Optional[int]
    error: Optional[str]
    duration_ms: int
    state: str        # the delivery's state after this attempt
    attempts: int


def backoff(attempts: int, base: float = BACKOFF_SECONDS) -> timedelta:
    """Wait before the next try, after ``attempts`` failed ones: base, 2 x base, 4 x base, ..."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1)))


def payload(flag: Flag, portal_url: str) -> dict:
    return {"flag_id": flag.id, "level": flag.level, "category": flag.category, "rule_id": flag.rule_id,
            "raised_at": as_utc(flag.created_at).isoformat(), "patient_ref": flag.patient_id,
            "portal_url": f"{portal_url}/staff/flags/{flag.id}"}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer we did not ask for: record it as a failed attempt, do not follow it."""

    def redirect_request(self, *args, **kwargs):
        return None


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers = [_NoRedirects()]
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:  # a receiver on this machine is never reached through a proxy
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def post_json(url: str, body: dict, timeout: float, delivery_id: int, attempt: int):
    """(status code or None, error or None, duration in ms)."""
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "radiculopathy-assistant-alerts/1",
        "X-Alert-Delivery": str(delivery_id), "X-Alert-Attempt": str(attempt)})
    started = time.monotonic()
    status, error = None, None
    try:
        with _opener(url).open(request, timeout=timeout) as response:
            status = response.status
            response.read(1024)
    except urllib.error.HTTPError as failure:
        status = failure.code
    except (urllib.error.URLError, OSError, ValueError) as failure:
        reason = getattr(failure, "reason", failure)
        error = f"{type(failure).__name__}: {reason}"[:300]
    return status, error, int((time.monotonic() - started) * 1000)


def _factory(source: Union[None, str, sessionmaker, Callable[[], Session]]) -> Callable[[], Session]:
    if source is None or isinstance(source, str):
        return session_factory(source)
    return source


def _claim(factory, now: datetime, lease: timedelta, limit: int) -> List[int]:
    """Move the due deliveries' next attempt past the lease, so a second sender skips them."""
    session = factory()
    try:
        due = list(session.execute(
            select(AlertDelivery.id).where(AlertDelivery.state == "pending", AlertDelivery.next_attempt_at <= now)
            .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id).limit(limit)).scalars())
        claimed = []
        for delivery_id in due:
            result = session.execute(
                update(AlertDelivery).where(AlertDelivery.id == delivery_id, AlertDelivery.state == "pending",
                                            AlertDelivery.next_attempt_at <= now)
                .values(next_attempt_at=now + lease).execution_options(synchronize_session=False))
            if result.rowcount == 1:
                claimed.append(delivery_id)
        session.commit()
        return claimed
    finally:
        session.close()


def deliver_due(session_factory_or_url: Union[None, str, sessionmaker] = None, now: Optional[datetime] = None, *,
                timeout: float = TIMEOUT_SECONDS, max_attempts: int = MAX_ATTEMPTS,
                backoff_seconds: float = BACKOFF_SECONDS, portal_url: Optional[str] = None,
                limit: int = BATCH) -> List[Attempt]:
    """One pass: try every delivery that is due at ``now`` once. Returns what happened to each."""
    factory = _factory(session_factory_or_url)
    fixed_now = as_utc(now) if now else None
    start = fixed_now or datetime.now(timezone.utc)
    portal_url = portal_url or portal_base_url()
    attempts = []
    for delivery_id in _claim(factory, start, timedelta(seconds=timeout + 30), limit):
        session = factory()
        try:
            delivery = session.get(AlertDelivery, delivery_id)
            flag = session.get(Flag, delivery.flag_id) if delivery else None
            if delivery is None or flag is None:
                continue  # deleted with its patient meanwhile
            url, body, number = delivery.url, payload(flag, portal_url), delivery.attempts + 1
        finally:
            session.close()
        status, error, duration = post_json(url, body, timeout, delivery_id, number)
        attempts.append(_record(factory, delivery_id, fixed_now, status, error, duration, max_attempts,
                                backoff_seconds))
    return attempts


def _record(factory, delivery_id: int, fixed_now: Optional[datetime], status: Optional[int], error: Optional[str],
            duration: int, max_attempts: int, backoff_seconds: float) -> Attempt:
    at = fixed_now or datetime.now(timezone.utc)
    session = factory()
    try:
        delivery = session.get(AlertDelivery, delivery_id)
        if delivery is None:  # its patient was deleted while the request was in flight
            return Attempt(delivery_id, 0, status, error, duration, "deleted", 0)
        delivery.attempts += 1
        session.add(AlertAttempt(delivery=delivery, at=at, status_code=status, error=error, duration_ms=duration))
        delivery.last_status, delivery.last_error = status, error
        if status is not None and 200 <= status < 300:
            delivery.state, delivery.delivered_at = "delivered", at
        elif delivery.attempts >= max_attempts:
            delivery.state = "failed"
        else:
            delivery.next_attempt_at = at + backoff(delivery.attempts, backoff_seconds)
            if error is None:
                delivery.last_error = f"HTTP {status}"
        result = Attempt(delivery.id, delivery.flag_id, status, error, duration, delivery.state, delivery.attempts)
        session.commit()
    finally:
        session.close()
    log.info("alert delivery %s attempt %s: %s -> %s", result.delivery_id, result.attempts,
             result.status_code or "no answer", result.state)
    return result


def run(poll_seconds: float = POLL_SECONDS) -> int:
    """The sender loop; stops cleanly on SIGTERM or SIGINT."""
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.append(True))
    log.info("alert sender started")
    while not stopping:
        try:
            deliver_due()
        except Exception as error:  # a database hiccup must not end the loop; ids only in the log
            log.error("alert pass failed: %s", type(error).__name__)
        time.sleep(poll_seconds)
    log.info("alert sender stopped")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    import os

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    raw = (os.environ.get(URL_VARIABLE) or "").strip()
    if not raw:
        print(f"{URL_VARIABLE} is not set: there is nowhere to send alerts", file=sys.stderr)
        return 2
    try:
        check_url(raw)
    except AlertConfigError as error:
        print(f"alert sender cannot start: {error}", file=sys.stderr)
        return 2
    return run()


if __name__ == "__main__":
    sys.exit(main())

"""Delivering alerts to a real local HTTP receiver: success, retries with backoff, giving up, errors,
the payload (no name, no evidence), and the sender process itself."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from sqlalchemy import select

from assistant.alerts.sender import backoff, deliver_due
from assistant.db import session_scope
from assistant.safety.flags import record_flags
from assistant.services import start_alert_sender, stop, wait_until_ready
from assistant.tables import AlertAttempt, AlertDelivery
from tests.alerts.receiver import Receiver
from assistant.tables import utcnow
from tests.review.factory import enrolled, finding

PORTAL = "https://portal.example.test"


def raise_flag(db_url, monkeypatch, url, level="emergency", evidence="I cannot feel my bottom <b>at all</b>"):
    """A flag raised now through record_flags, with the webhook configured; (flag id, patient id)."""
    monkeypatch.setenv("ASSISTANT_ALERT_WEBHOOK_URL", url)
    with session_scope(db_url) as session:
        patient = enrolled(session, "Robin", "RM-55")
        from assistant.patients.identity import link_sender
        link_sender(session, "alerts-sender", patient, method="nurse", linked_by="test")
        (flag,) = record_flags(session, "alerts-sender", "message:1",
                               [finding(level, "cauda_equina", "CE-1", evidence)])
        return flag.id, patient.id


def state(db_url):
    with session_scope(db_url) as session:
        delivery = session.execute(select(AlertDelivery)).scalar_one()
        attempts = [(a.status_code, a.error is not None, a.duration_ms >= 0) for a in
                    session.execute(select(AlertAttempt).order_by(AlertAttempt.id)).scalars()]
        return delivery.state, delivery.attempts, attempts, delivery.next_attempt_at


def test_a_delivered_alert_names_the_flag_and_the_patient_record_only(db_url, monkeypatch):
    with Receiver() as receiver:
        flag_id, patient_id = raise_flag(db_url, monkeypatch, receiver.url)
        now = utcnow()
        (attempt,) = deliver_due(db_url, now=now, portal_url=PORTAL)
        assert (attempt.status_code, attempt.state) == (200, "delivered")
        assert deliver_due(db_url, now=now + timedelta(hours=1), portal_url=PORTAL) == []  # sent once
    (request,) = receiver.requests
    body = json.loads(request["body"])
    assert set(body) == {"flag_id", "level", "category", "rule_id", "raised_at", "patient_ref", "portal_url"}
    assert body["flag_id"] == flag_id and body["patient_ref"] == patient_id and body["level"] == "emergency"
    assert body["portal_url"] == f"{PORTAL}/staff/flags/{flag_id}"
    assert request["headers"]["Content-Type"] == "application/json" and request["path"] == "/hooks/alerts"
    for private in ("Robin", "RM-55", "bottom", "alerts-sender", "0100"):
        assert private not in request["body"]
    assert state(db_url)[:3] == ("delivered", 1, [(200, False, True)])


def test_failures_are_retried_with_exponential_backoff_until_delivered(db_url, monkeypatch):
    with Receiver(fail_first=2) as receiver:
        raise_flag(db_url, monkeypatch, receiver.url, level="urgent")
        now = utcnow()
        assert [a.status_code for a in deliver_due(db_url, now=now)] == [500]
        delivery_state, attempts, _log, next_at = state(db_url)
        assert (delivery_state, attempts) == ("pending", 1)
        assert deliver_due(db_url, now=now + timedelta(seconds=9)) == []  # not due yet
        assert [a.status_code for a in deliver_due(db_url, now=now + timedelta(seconds=10))] == [500]
        assert deliver_due(db_url, now=now + timedelta(seconds=29)) == []  # the second wait is twice as long
        assert [a.state for a in deliver_due(db_url, now=now + timedelta(seconds=30))] == ["delivered"]
    assert len(receiver.requests) == 3
    assert state(db_url)[:3] == ("delivered", 3, [(500, False, True), (500, False, True), (200, False, True)])
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]


def test_it_gives_up_after_the_maximum_number_of_attempts(db_url, monkeypatch):
    with Receiver(fail_first=100, fail_status=503) as receiver:
        raise_flag(db_url, monkeypatch, receiver.url)
        moment = utcnow()
        states = []
        for _ in range(4):
            states += [a.state for a in deliver_due(db_url, now=moment, max_attempts=3, backoff_seconds=1)]
            moment += timedelta(minutes=5)
    assert states == ["pending", "pending", "failed"]
    assert len(receiver.requests) == 3
    delivery_state, attempts, log, _next = state(db_url)
    assert (delivery_state, attempts, [status for status, _e, _d in log]) == ("failed", 3, [503, 503, 503])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_or_slow_receiver_is_recorded_as_an_error(db_url, monkeypatch):
    raise_flag(db_url, monkeypatch, f"http://127.0.0.1:{_closed_port()}/hook")
    now = utcnow()
    (attempt,) = deliver_due(db_url, now=now)
    assert attempt.status_code is None and "refused" in attempt.error.lower() and attempt.state == "pending"

    with session_scope(db_url) as session:  # point the pending delivery at a receiver that answers too late
        slow = Receiver(delay=1.0)
        session.execute(select(AlertDelivery)).scalar_one().url = slow.url
    with slow:
        started = time.monotonic()
        (attempt,) = deliver_due(db_url, now=now + timedelta(minutes=1), timeout=0.2)
        assert time.monotonic() - started < 0.9
    assert attempt.status_code is None and "timed out" in attempt.error.lower()
    assert state(db_url)[1] == 2


def test_a_redirect_is_not_followed(db_url, monkeypatch):
    with Receiver(fail_first=1, fail_status=302) as receiver:
        raise_flag(db_url, monkeypatch, receiver.url)
        (attempt,) = deliver_due(db_url, now=utcnow())
    assert attempt.status_code == 302 and attempt.state == "pending"


def test_review_flags_send_nothing(db_url, monkeypatch):
    with Receiver() as receiver:
        raise_flag(db_url, monkeypatch, receiver.url, level="review")
        assert deliver_due(db_url, now=utcnow() + timedelta(hours=1)) == []
    assert receiver.requests == []


def test_the_sender_process_delivers_and_refuses_to_start_without_a_usable_url(db_url, monkeypatch):
    env = dict(os.environ, ASSISTANT_DATABASE_URL=db_url, ASSISTANT_PUBLIC_URL=PORTAL)
    env.pop("ASSISTANT_ALERT_WEBHOOK_URL", None)
    assert start_alert_sender(env) is None  # `assistant serve` starts no sender without a URL
    with pytest.raises(RuntimeError, match="http"):
        start_alert_sender(dict(env, ASSISTANT_ALERT_WEBHOOK_URL="javascript:alert(1)"))
    for bad, message in (("", "not set"), ("file:///etc/passwd", "http(s)")):
        result = subprocess.run([sys.executable, "-m", "assistant.alerts.sender"], capture_output=True, text=True,
                                env=dict(env, ASSISTANT_ALERT_WEBHOOK_URL=bad), timeout=60)
        assert result.returncode == 2 and message in result.stderr

    with Receiver() as receiver:
        flag_id, _patient = raise_flag(db_url, monkeypatch, receiver.url)
        service = start_alert_sender(dict(env, ASSISTANT_ALERT_WEBHOOK_URL=receiver.url))
        try:
            wait_until_ready(service)  # what `assistant serve` does: the sender must stay up
            deadline = time.monotonic() + 20
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop([service], timeout=5)
    assert service.process.returncode == 0  # stopped cleanly on SIGTERM
    assert [b["flag_id"] for b in receiver.bodies()] == [flag_id]
    assert receiver.bodies()[0]["portal_url"] == f"{PORTAL}/staff/flags/{flag_id}"
    assert state(db_url)[0] == "delivered"

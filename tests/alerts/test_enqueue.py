"""Alerts are queued with the flag, in the same transaction, only for emergency and urgent flags and
only when a webhook URL is configured; one per unanswered problem."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from assistant.db import session_scope
from assistant.review.changes import acknowledge
from assistant.safety.flags import record_flags
from assistant.tables import AlertDelivery, Flag
from tests.review.factory import finding

URL = "http://127.0.0.1:9/hooks/alerts"


def deliveries(session):
    return list(session.execute(select(AlertDelivery.flag_id, AlertDelivery.state, AlertDelivery.url)
                                .order_by(AlertDelivery.id)).all())


def test_emergency_and_urgent_flags_queue_a_pending_alert(session, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ALERT_WEBHOOK_URL", URL)
    emergency, urgent, review = record_flags(session, "alerts-a", "message:1", [
        finding("emergency", "cauda_equina", "CE-1"), finding("urgent", "fever", "IN-1"),
        finding("review", "side_effects", "SE-1")])
    (callback,) = record_flags(session, "alerts-a", "message:2", [finding("callback", "callback", "callback-request")])
    assert [tuple(d) for d in deliveries(session)] == [(emergency.id, "pending", URL), (urgent.id, "pending", URL)]


def test_nothing_is_queued_without_a_webhook_url(session, monkeypatch):
    monkeypatch.delenv("ASSISTANT_ALERT_WEBHOOK_URL", raising=False)
    record_flags(session, "alerts-b", "message:1", [finding("emergency", "cauda_equina", "CE-1")])
    monkeypatch.setenv("ASSISTANT_ALERT_WEBHOOK_URL", "ftp://not-a-webhook")  # unusable: alerts stay off
    record_flags(session, "alerts-b", "message:2", [finding("urgent", "fever", "IN-1")])
    assert deliveries(session) == []


def test_the_alert_rolls_back_with_the_flag(db_url, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ALERT_WEBHOOK_URL", URL)
    with pytest.raises(RuntimeError):
        with session_scope(db_url) as session:
            record_flags(session, "alerts-c", "message:1", [finding("emergency", "cauda_equina", "CE-1")])
            assert len(deliveries(session)) == 1
            raise RuntimeError("the message save failed after the flags")
    with session_scope(db_url) as session:
        assert session.execute(select(Flag.id)).all() == [] and deliveries(session) == []


def test_one_alert_per_unanswered_problem_but_again_after_acknowledgement_or_when_worse(session, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ALERT_WEBHOOK_URL", URL)
    (first,) = record_flags(session, "alerts-d", "message:1", [finding("urgent", "weakness", "WK-1")])
    (repeat,) = record_flags(session, "alerts-d", "message:2", [finding("urgent", "weakness", "WK-1")])
    (worse,) = record_flags(session, "alerts-d", "message:3", [finding("emergency", "weakness", "WK-2")])
    assert repeat.group_id == first.id == worse.group_id
    assert [d.flag_id for d in deliveries(session)] == [first.id, worse.id]

    acknowledge(session, first.id, "nina")
    (after,) = record_flags(session, "alerts-d", "message:4", [finding("urgent", "weakness", "WK-1")])
    assert after.group_id == first.id
    assert [d.flag_id for d in deliveries(session)] == [first.id, worse.id, after.id]

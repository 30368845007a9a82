"""The safety net through the real servers: any message, any moment."""
from __future__ import annotations

import uuid

import pytest

from assistant.db import session_scope
from assistant.safety.flags import list_flags

pytestmark = pytest.mark.e2e


def joined(reply):
    return "\n\n".join(m.get("text", "") for m in reply)


def flags_for(servers, sender):
    with session_scope(servers.db_url) as session:
        return list_flags(session, patient=sender)


def test_an_emergency_said_mid_conversation_gets_emergency_advice_and_one_flag(servers):
    sender = f"e2e-safety-{uuid.uuid4().hex[:8]}"
    servers.send(sender, "what is spinal cord stimulation")
    status, reply = servers.send(sender, "I wet myself this morning and didn't feel it")
    text = joined(reply)
    assert status == 200
    assert reply[0]["text"].startswith("This is an emergency.")
    assert "emergency department now" in text and "not a diagnosis" in text
    (flag,) = flags_for(servers, sender)
    assert (flag.level, flag.category, flag.rule_id) == ("emergency", "cauda_equina", "CE-BLADDER")
    assert flag.evidence == "I wet myself this morning and didn't feel it"


@pytest.mark.parametrize("message", ["no bladder problems", "my mum had cancer",
                                     "I had bladder problems after my op in 2019 but they settled"])
def test_negated_other_and_past_raise_nothing(servers, message):
    sender = f"e2e-safety-{uuid.uuid4().hex[:8]}"
    _, reply = servers.send(sender, message)
    assert not any(m.get("text", "").startswith("This is an emergency") for m in reply)
    assert "Is this happening to you now?" not in joined(reply)
    assert flags_for(servers, sender) == []


def test_a_warning_sign_question_then_unsure_twice_ends_in_emergency_advice(servers):
    sender = f"e2e-safety-{uuid.uuid4().hex[:8]}"
    _, first = servers.send(sender, "what if I lose bladder control?")
    assert "Is this happening to you now?" in joined(first)
    assert [b["title"] for b in first[-1]["buttons"]] == ["Yes", "No", "Not sure"]
    _, second = servers.send(sender, "not sure")
    assert "Just to be sure" in joined(second)
    _, third = servers.send(sender, "maybe a bit")
    assert joined(third).startswith("This is an emergency.")


def test_an_urgent_flag_tells_the_patient_to_contact_the_team_today(servers):
    sender = f"e2e-safety-{uuid.uuid4().hex[:8]}"
    _, reply = servers.send(sender, "the battery site of my stimulator is red and hot")
    assert "contact your care team today" in joined(reply)
    assert [f.level for f in flags_for(servers, sender)] == ["urgent"]

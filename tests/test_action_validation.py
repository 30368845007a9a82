"""Rasa's check of action server replies, with the validator built once (assistant/rasa_components/action_validation.py)."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import assistant.channels  # noqa: F401  (loading the channels installs the check, as in the Rasa server)
from assistant.rasa_components.action_validation import validate_action_result

ACTION = RemoteAction("action_answer_topic", None)


def test_loading_our_channels_installs_the_check_in_rasa():
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_valid_reply_passes():
    reply = {"events": [{"event": "slot", "name": "topic", "value": "imaging", "timestamp": None}],
             "responses": [{"text": "hello"}]}
    assert ACTION._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["not an object"]},
    [],
])
def test_an_invalid_reply_is_refused_as_rasa_refuses_it(reply):
    with pytest.raises(ValidationError) as refused:
        ACTION._validate_action_result(reply)
    assert "Failed to validate Action server response" in refused.value.message

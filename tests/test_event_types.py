"""Event classes are looked up by name exactly as Rasa looks them up, from a table built once."""
from __future__ import annotations

import pytest
import rasa.shared.utils.common
from rasa.shared.core import events
from rasa.shared.core.events import ActionExecuted, Event, UserUttered

from assistant.rasa_components import event_types


def test_every_event_name_resolves_to_rasas_class():
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        assert event_types.resolve_by_type(cls.type_name) is event_types._rasa_resolve_by_type(cls.type_name)


def test_unknown_names_keep_rasas_default_and_error():
    assert event_types.resolve_by_type("no_such_event", UserUttered) is UserUttered
    assert event_types.resolve_by_type("topic") is None  # Rasa's backwards compatibility
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        event_types.resolve_by_type("no_such_event")


def test_an_event_class_defined_later_is_found():
    event_types.resolve_by_type("action")  # the table exists before the class below does

    class DiaryOpened(ActionExecuted):
        type_name = "test_diary_opened"

    assert event_types.resolve_by_type("test_diary_opened") is DiaryOpened


def test_installed_rasa_decodes_events_through_the_table():
    event_types.install()
    event = Event.from_parameters({"event": "action", "name": "action_listen", "timestamp": 1.0})
    assert isinstance(event, ActionExecuted) and event.action_name == "action_listen"
    assert events.Event.resolve_by_type is event_types.resolve_by_type

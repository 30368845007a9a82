"""Rasa's lookup of an event class by its name, with the table of names built once.

Rasa 3.6 (``Event.resolve_by_type``) walks every subclass of ``Event`` (``all_subclasses``, with an
``inspect.isabstract`` check each) for every event it reads back from the tracker store: a
conversation of 450 events took 30 ms per message to decode, 20% of the Rasa server's CPU time under
``bench/load.py --profile``. The answer is the same class; only the walk is done once. A name not in
the table (an event class defined after the table was built) rebuilds it once, and names that are
still unknown go to Rasa's own lookup, which keeps its defaults and its error.
"""
from __future__ import annotations

from typing import Dict, Optional, Text, Type

import rasa.shared.utils.common
from rasa.shared.core.events import Event

_rasa_resolve_by_type = Event.resolve_by_type
_classes_by_name: Dict[Text, Type[Event]] = {}


def _rebuild() -> None:
    table: Dict[Text, Type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # Rasa's lookup takes the first match too
    _classes_by_name.clear()
    _classes_by_name.update(table)


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    cls = _classes_by_name.get(type_name)
    if cls is None:
        _rebuild()
        cls = _classes_by_name.get(type_name)
    if cls is None:
        return _rasa_resolve_by_type(type_name, default)
    return cls


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)


__all__ = ["install", "resolve_by_type"]

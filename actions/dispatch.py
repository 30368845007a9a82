"""Send ``assistant`` service messages through the rasa-sdk dispatcher."""
from __future__ import annotations

from typing import Iterable

from rasa_sdk.executor import CollectingDispatcher

from assistant.knowledge.answering import Message


def send(dispatcher: CollectingDispatcher, messages: Iterable[Message]) -> None:
    for message in messages:
        if message.response:
            dispatcher.utter_message(response=message.response, buttons=message.buttons or None,
                                     **message.variables)
        else:
            dispatcher.utter_message(text=message.text, buttons=message.buttons or None)

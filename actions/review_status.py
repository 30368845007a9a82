"""Telling the patient what happened to what they reported: "A nurse reviewed your diary entry from
Tuesday 17 November" once, at the start of a conversation (or when a returning patient links a new
chat), and a true answer to "has anyone seen my diary?". Decisions in ``assistant.patients.updates``;
wording in domain.yml."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from assistant.db import session_scope
from assistant.patients.updates import (
    CALLBACK, DIARY, ReviewUpdate, date_in_words, review_status, tell_reviews,
)

log = logging.getLogger(__name__)

UPDATE_RESPONSES = {DIARY: "utter_review_update_diary", CALLBACK: "utter_review_update_callback"}
MESSAGE_UPDATE_RESPONSE = "utter_review_update_message"


def say_updates(dispatcher: CollectingDispatcher, updates: List[ReviewUpdate]) -> None:
    for item in updates:
        dispatcher.utter_message(response=UPDATE_RESPONSES.get(item.kind, MESSAGE_UPDATE_RESPONSE),
                                 date=date_in_words(item.about))


def tell_review_updates(dispatcher: CollectingDispatcher, sender_id: str) -> None:
    """At the start of a conversation: any reviews not told yet. A database fault must never stop the
    conversation from starting, so it is logged (no patient data) and the updates wait for next time."""
    try:
        with session_scope() as session:
            updates = tell_reviews(session, sender_id)
    except SQLAlchemyError as error:
        log.warning("review updates skipped: %s", type(error).__name__)
        return
    say_updates(dispatcher, updates)


class ActionReviewStatus(Action):
    """"Has anyone seen my diary?": waiting, reviewed (with the day), or nothing sent for review."""

    def name(self) -> Text:
        return "action_review_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        with session_scope() as session:
            status = review_status(session, tracker.sender_id)
            if not status.waiting and status.reviewed_on:
                tell_reviews(session, tracker.sender_id)  # told now, so not again at the next start
        if status.waiting:
            dispatcher.utter_message(response="utter_review_waiting")
        elif status.reviewed_on:
            dispatcher.utter_message(response="utter_review_done", date=date_in_words(status.reviewed_on))
        else:
            dispatcher.utter_message(response="utter_review_none")
        return []

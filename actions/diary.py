"""The symptom diary in the chat: the form's validation, the summary, the save, and the diary
and treatment actions. Decisions live in ``assistant.diary``; wording in domain.yml."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dispatch import send
from actions.safety import CHECK_BUTTONS, diary_reset_events
from actions.slots import DIARY_FIELDS, DIARY_SLOTS, TOPIC_ENTITY
from assistant.db import session_scope
from assistant.diary import answers
from assistant.diary.form import (
    ASK_AGAIN, CLARIFY, EMERGENCY_NOW, SKIPPED, URGENT_NOW, correction, judge,
)
from assistant.diary.service import DiaryAnswers, last_score, record_treatment, save_entry, summary, treatment_date
from assistant.knowledge.answering import KNOWLEDGE_INTENTS, AnswerService
from assistant.knowledge.store import KnowledgeStore
from assistant.portal.charts import chart_text, pain_chart_svg
from assistant.safety.flags import record_flags
from assistant.safety.scanner import Finding, scanner_for

FIELDS = list(DIARY_FIELDS)
SLOTS = list(DIARY_SLOTS)
QUESTION_CONFIDENCE = 0.8


def _reset() -> List[Dict[Text, Any]]:
    return diary_reset_events()


def _previous_score(sender_id: str, field: str) -> Optional[int]:
    if field not in ("leg_pain", "back_pain"):
        return None
    with session_scope() as session:
        return last_score(session, sender_id, field)


def _answer_question_instead(dispatcher, tracker: Tracker) -> bool:
    """A question asked in the middle of the diary gets its answer; the form then asks again."""
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") not in KNOWLEDGE_INTENTS or (intent.get("confidence") or 0) < QUESTION_CONFIDENCE:
        return False
    words = [str(e.get("value")) for e in tracker.latest_message.get("entities") or [] if e.get("entity") == TOPIC_ENTITY]
    with session_scope() as session:
        reply = AnswerService(KnowledgeStore(session)).reply(intent["name"], words, tracker.get_slot("topic"))
    send(dispatcher, reply.messages)
    dispatcher.utter_message(response="utter_diary_resume")
    return True


def _record_answer_flag(tracker: Tracker, verdict) -> None:
    message_id = tracker.latest_message.get("message_id") or hashlib.sha256(
        f"{tracker.sender_id}|{tracker.latest_message.get('text')}".encode()).hexdigest()[:24]
    rule = verdict.rule
    finding = Finding(rule.id, rule.version, rule.level, rule.category, rule.title,
                      f"{rule.field.replace('_', ' ')}: {tracker.latest_message.get('text')}"[:160],
                      "possible" if verdict.value == "unsure" else "affirmed")
    with session_scope() as session:
        record_flags(session, tracker.sender_id, f"diary-answer:{message_id}", [finding])


class ValidateDiaryForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_diary_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: Dict[Text, Any]) -> List[Text]:
        return [] if tracker.get_slot("diary_end") else domain_slots

    async def validate(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        requested = tracker.get_slot("requested_slot")
        text = tracker.latest_message.get("text") or ""
        if requested in SLOTS and answers.wants_to_stop(text):
            dispatcher.utter_message(response="utter_diary_cancelled")
            return _reset() + [SlotSet("diary_end", "stopped"), SlotSet("requested_slot", None)]
        return await super().validate(dispatcher, tracker, domain)

    def _field(self, field: str, value: Any, dispatcher, tracker: Tracker) -> Dict[Text, Any]:
        slot = f"diary_{field}"
        verdict = judge(scanner_for().rules, field, str(value or ""), _previous_score(tracker.sender_id, field),
                        int(tracker.get_slot("diary_clarifications") or 0))
        if verdict.outcome == ASK_AGAIN:
            if not _answer_question_instead(dispatcher, tracker):
                dispatcher.utter_message(response=verdict.response)
            return {slot: None}
        if verdict.outcome == CLARIFY:
            dispatcher.utter_message(response=verdict.response, buttons=CHECK_BUTTONS)
            return {slot: None, "diary_clarifications": float(int(tracker.get_slot("diary_clarifications") or 0) + 1)}
        if verdict.rule is not None and verdict.outcome in (EMERGENCY_NOW, URGENT_NOW):
            _record_answer_flag(tracker, verdict)
        if verdict.outcome == EMERGENCY_NOW:
            dispatcher.utter_message(response=scanner_for().rules.advice_responses["emergency"])
            return {**{s: None for s in SLOTS}, "diary_end": "emergency"}
        if verdict.outcome == URGENT_NOW:
            dispatcher.utter_message(response=scanner_for().rules.advice_responses["urgent"])
        return {slot: verdict.value}

    async def validate_diary_leg_pain(self, value, dispatcher, tracker, domain):
        return self._field("leg_pain", value, dispatcher, tracker)

    async def validate_diary_back_pain(self, value, dispatcher, tracker, domain):
        return self._field("back_pain", value, dispatcher, tracker)

    async def validate_diary_numbness(self, value, dispatcher, tracker, domain):
        return self._field("numbness", value, dispatcher, tracker)

    async def validate_diary_weakness(self, value, dispatcher, tracker, domain):
        return self._field("weakness", value, dispatcher, tracker)

    async def validate_diary_bladder_bowel(self, value, dispatcher, tracker, domain):
        return self._field("bladder_bowel", value, dispatcher, tracker)

    async def validate_diary_saddle(self, value, dispatcher, tracker, domain):
        return self._field("saddle", value, dispatcher, tracker)

    async def validate_diary_fever(self, value, dispatcher, tracker, domain):
        return self._field("fever", value, dispatcher, tracker)

    async def validate_diary_medicines(self, value, dispatcher, tracker, domain):
        return self._field("medicines", value, dispatcher, tracker)

    async def validate_diary_side_effects(self, value, dispatcher, tracker, domain):
        return self._field("side_effects", value, dispatcher, tracker)

    async def validate_diary_sleep(self, value, dispatcher, tracker, domain):
        return self._field("sleep", value, dispatcher, tracker)

    async def validate_diary_notes(self, value, dispatcher, tracker, domain):
        return self._field("notes", value, dispatcher, tracker)

    async def validate_diary_confirm(self, value, dispatcher, tracker, domain):
        text = str(value or "").strip().lower()
        change = correction(text)
        if change:
            return {f"diary_{change[0]}": change[1], "diary_confirm": None}
        decision = answers.parse_confirm(text)
        if decision:
            return {"diary_confirm": decision}
        dispatcher.utter_message(response="utter_diary_hint_confirm")
        return {"diary_confirm": None}


def _readable(value: Any) -> str:
    if value is None or value == SKIPPED:
        return "none"
    return str(value).replace("_", " ")


class ActionAskDiaryConfirm(Action):
    """The short summary the patient sees before anything is saved."""

    def name(self) -> Text:
        return "action_ask_diary_confirm"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_diary_summary",
                                 **{field: _readable(tracker.get_slot(f"diary_{field}")) for field in FIELDS})
        return []


class ActionSaveDiary(Action):
    """After the form: save the whole entry in one transaction, or nothing."""

    def name(self) -> Text:
        return "action_save_diary"

    async def run(self, dispatcher, tracker, domain):
        end = tracker.get_slot("diary_end")
        if end is None and tracker.get_slot("diary_confirm") == "save":
            values = {field: tracker.get_slot(f"diary_{field}") for field in FIELDS}
            values = {k: (None if v == SKIPPED else v) for k, v in values.items()}
            with session_scope() as session:
                saved = save_entry(session, tracker.sender_id, DiaryAnswers(**values))
            dispatcher.utter_message(response="utter_diary_saved")
            levels = {f.level for f in saved.flags}
            for level in ("urgent", "review"):
                if level in levels:
                    dispatcher.utter_message(response=scanner_for().rules.advice_responses[level])
                    break
        elif end is None:
            dispatcher.utter_message(response="utter_diary_cancelled")
        return _reset() + [SlotSet("diary_end", None)]


class ActionStopDiary(Action):
    """"Stop" during the diary: cancel, nothing saved."""

    def name(self) -> Text:
        return "action_stop_diary"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_diary_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + _reset()


def _chart_image(entries, treatments, titles) -> str:
    """The entries shown, as a small SVG chart in a data: URL (the patient's widget shows it in the chat;
    a data: image needs no request and works under the page's CSP). Wording: content/wording/chart.yml."""
    svg = pain_chart_svg(entries, width=360, height=220, chart_id="diary-chart", text=chart_text("patient"),
                         treatments=[(t.occurred_on, titles.get(t.therapy_slug, t.therapy_slug)) for t in treatments])
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


class ActionShowDiary(Action):
    """The last entries and the trend in words, and pain before and after each treatment."""

    def name(self) -> Text:
        return "action_show_diary"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            data = summary(session, tracker.sender_id)
            titles = {t.slug: t.title for t in KnowledgeStore(session).topics("therapy")}
        if not data.entries:
            dispatcher.utter_message(response="utter_diary_empty")
            return []
        for entry in data.entries:
            dispatcher.utter_message(response="utter_diary_entry", date=entry["recorded_at"][:10],
                                     leg_pain=_readable(entry["leg_pain"]), back_pain=_readable(entry["back_pain"]),
                                     sleep=_readable(entry["sleep"]))
        dispatcher.utter_message(image=_chart_image(data.entries, data.treatments, titles))
        this_week, last_week = data.leg_pain_this_week, data.leg_pain_last_week
        if this_week is not None:
            if last_week is None:
                response = "utter_diary_trend_week"
            else:
                response = ("utter_diary_trend_up" if this_week > last_week else
                            "utter_diary_trend_down" if this_week < last_week else "utter_diary_trend_same")
            dispatcher.utter_message(response=response, this_week=f"{this_week:g}",
                                     last_week=f"{last_week:g}" if last_week is not None else "")
        for treatment in data.treatments:
            name = titles.get(treatment.therapy_slug, treatment.therapy_slug)
            if treatment.before is None or treatment.after is None:
                dispatcher.utter_message(response="utter_diary_treatment_pending", therapy=name,
                                         date=treatment.occurred_on.isoformat())
            else:
                dispatcher.utter_message(response="utter_diary_treatment", therapy=name,
                                         date=treatment.occurred_on.isoformat(),
                                         before=f"{treatment.before:g}", after=f"{treatment.after:g}")
        return []


class ActionRecordTreatment(Action):
    """"I had my nerve root block today": a dated treatment event."""

    def name(self) -> Text:
        return "action_record_treatment"

    async def run(self, dispatcher, tracker, domain):
        words = [str(v) for v in tracker.get_latest_entity_values(TOPIC_ENTITY)]
        occurred = treatment_date(tracker.latest_message.get("text") or "", datetime.now(timezone.utc))
        with session_scope() as session:
            store = KnowledgeStore(session)
            slugs = [s for s in AnswerService(store).resolve(words) if store.topic(s).kind == "therapy"]
            if not slugs:
                buttons = AnswerService(store).topic_buttons("therapy", "report_treatment")
                dispatcher.utter_message(response="utter_ask_which_treatment", buttons=buttons)
                return []
            record_treatment(session, tracker.sender_id, slugs[0], occurred)
            title = store.topic(slugs[0]).title
        dispatcher.utter_message(response="utter_treatment_recorded", therapy=title.lower() if title else slugs[0],
                                 date=occurred.isoformat())
        return []

"""Guarded chat channels: Rasa's REST and socket.io channels with checks on what comes in, and a reply
to every message.

Why: the stock channels pass anything on. A sender id longer than the tracker store's VARCHAR(255) fails
on PostgreSQL; a 100 KB message keeps the NLU busy for minutes and gigabytes (it got a Rasa server
OOM-killed); and when the action server is down, Rasa logs the error and the patient hears nothing, not
even after reporting an emergency. Here:

- a malformed REST request is refused with a JSON ``{"error": ...}`` and the right status
  (413 too large, 415 not JSON, 400 anything else);
- the NLU reads at most the first ``NLU_CHARACTERS`` of a message, the red-flag rules read all of it,
  and the whole message is stored;
- a message the bot could not answer (an action failed, or nothing was said) gets the advice for a red
  flag found in it, recorded the way the safety action records it, or else a polite "try again".

Registered in credentials.yml in place of ``rest:`` and ``socketio:``; the URLs and channel names stay.
"""
from __future__ import annotations

import asyncio
import json
import logging
import unicodedata
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response

from assistant.admission import InOrderLimiter
from assistant.config import PROJECT_ROOT, load_settings
from assistant.db import session_scope
from assistant.heap import freeze_loaded_objects
from assistant.rasa_components import action_call, action_validation, applied_events, event_types
from assistant.rasa_components.red_flags import ORIGINAL_INTENT_KEY, RED_FLAGS_KEY
from assistant.safety.context import AFFIRMED, POSSIBLE
from assistant.safety.flags import record_flags
from assistant.safety.routing import route
from assistant.safety.scanner import Finding, ScanResult, scanner_for

logger = logging.getLogger(__name__)
action_validation.install()  # Rasa loads this module when it starts its server: the checks of action replies get cheap
event_types.install()  # and so does reading events back (action replies, the tracker store)
applied_events.install()  # and working out a conversation's applied events, once per new event
action_call.install()  # and each call of the action server carries the current turn's events, not the session's
ADMISSION = InOrderLimiter(load_settings().rasa_concurrency)  # both channels: a few messages at a time, in arrival order

MAX_SENDER_CHARS = 128           # Rasa's tracker store holds 255; the chat page's ids have 32
MAX_MESSAGE_CHARS = 128 * 1024   # a long letter (100 KB fits); beyond, refused (413) or answered "too long"
MAX_BODY_BYTES = 2 * 1024 * 1024  # room for MAX_MESSAGE_CHARS of JSON-escaped emoji (12 bytes each)
NLU_CHARACTERS = 2_000           # the NLU's share of a long message (about 0.7 s of NLU; 100 KB took 108 s)
SCAN_OVERLAP = 200               # scan windows overlap, so a phrase across a window's edge is still read
WORDING_PATH = PROJECT_ROOT / "content" / "wording" / "channel.yml"
WORDS = ("try_again", "too_long")
ACTION_FAILED = "Encountered an exception while running action"  # rasa.core.processor, Rasa 3.6


# --- what comes in --------------------------------------------------------------------------------------
class Refused(ValueError):
    """A request or message that is not handled; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _printable(text: str) -> bool:
    return all(ch == " " or ch.isprintable() for ch in text)


def check_sender(value: Any) -> str:
    """A conversation id: a non-blank string of at most MAX_SENDER_CHARS, without control characters."""
    if not isinstance(value, str) or not value.strip():
        raise Refused(400, "'sender' must be a non-empty string")
    if len(value) > MAX_SENDER_CHARS:
        raise Refused(400, f"'sender' must be at most {MAX_SENDER_CHARS} characters")
    if not _printable(value):
        raise Refused(400, "'sender' must not contain control or invisible characters")
    return value


def clean_text(value: Any) -> str:
    """The message as stored and read: a string of at most MAX_MESSAGE_CHARS, with control characters
    (but newlines and tabs) dropped and lone surrogates replaced; nothing else is changed."""
    if not isinstance(value, str):
        raise Refused(400, "'message' must be a string")
    if len(value) > MAX_MESSAGE_CHARS:
        raise Refused(413, f"'message' must be at most {MAX_MESSAGE_CHARS} characters")
    value = value.replace("\r\n", "\n")
    return "".join("\ufffd" if unicodedata.category(ch) == "Cs" else ch for ch in value
                   if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def check_metadata(value: Any) -> Optional[Dict[str, Any]]:
    if value is not None and not isinstance(value, dict):
        raise Refused(400, "'metadata' must be an object")
    return value


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def read_body(content_type: Optional[str], body: bytes) -> Dict[str, Any]:
    """A REST request body as a JSON object, or Refused (413, 415 or 400)."""
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, f"the request body must be at most {MAX_BODY_BYTES} bytes")
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        raise Refused(415, "send JSON with 'Content-Type: application/json'")
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "the request body is not valid JSON in UTF-8") from None
    if not isinstance(payload, dict):
        raise Refused(400, "the request body must be a JSON object with 'sender' and 'message'")
    return payload


def rest_request(content_type: Optional[str], body: bytes) -> Tuple[str, str, Optional[Dict[str, Any]]]:
    """(sender, message, metadata) of a REST request, or Refused."""
    payload = read_body(content_type, body)
    return check_sender(payload.get("sender")), clean_text(payload.get("message")), \
        check_metadata(payload.get("metadata"))


# --- long messages: the NLU reads the start, the red-flag rules read everything ------------------------
def cut(text: str, limit: int) -> int:
    """Where to end a piece of at most ``limit`` characters: at a space near the limit, if there is one."""
    if len(text) <= limit:
        return len(text)
    space = text.rfind(" ", limit - SCAN_OVERLAP, limit)
    return space if space > 0 else limit


def windows(text: str, size: int = NLU_CHARACTERS) -> List[str]:
    """Overlapping pieces that cover the whole text; the first is exactly what the NLU reads."""
    pieces, start = [], 0
    while True:
        end = start + cut(text[start:], size)
        pieces.append(text[start:end])
        if end >= len(text):
            return pieces
        start = max(start + 1, end - SCAN_OVERLAP)


_STRENGTH = {AFFIRMED: 0, POSSIBLE: 1}


def merge(results: List[ScanResult]) -> ScanResult:
    """One finding per rule, the one that most raises a flag (as the scanner keeps within one text)."""
    best: Dict[str, Finding] = {}
    for finding in (f for result in results for f in result.findings):
        old = best.get(finding.rule_id)
        if old is None or _STRENGTH.get(finding.status, 2) < _STRENGTH.get(old.status, 2):
            best[finding.rule_id] = finding
    return ScanResult(list(best.values()))


async def scan_whole(text: str) -> ScanResult:
    """The red-flag rules over every window of the text, yielding between windows (a 100 KB message
    takes seconds) so that other patients' messages are not held up."""
    scanner, results = scanner_for(), []
    for piece in windows(text):
        results.append(scanner.scan(piece))
        await asyncio.sleep(0)
    return merge(results)


def route_parse(parse: Dict[str, Any], result: ScanResult) -> Dict[str, Any]:
    """The NLU's reading of a message's start, with the red flags of the whole message and their route,
    set the way the pipeline's RedFlagScanner sets them."""
    parse = dict(parse, **{RED_FLAGS_KEY: [f.as_dict() for f in result.findings]})
    intent = route(result)
    if intent is not None and (parse.get(INTENT) or {}).get(INTENT_NAME_KEY) != intent:
        verdict = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        parse.setdefault(ORIGINAL_INTENT_KEY, parse.get(INTENT))
        parse[INTENT] = verdict
        parse[INTENT_RANKING_KEY] = [verdict] + list(parse.get(INTENT_RANKING_KEY) or [])
    return parse


# --- what goes out when the bot could not answer ---------------------------------------------------------
@lru_cache(maxsize=None)
def channel_words(path: Path = WORDING_PATH) -> Dict[str, str]:
    """The channel's own words from the reviewed wording file; a missing word stops start-up."""
    words = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if set(words) != set(WORDS) or not all(isinstance(words[w], str) and words[w].strip() for w in WORDS):
        raise ValueError(f"{path.name}: needs exactly these words: {', '.join(WORDS)}")
    return {w: words[w].strip() for w in WORDS}


@dataclass(frozen=True)
class Unanswered:
    """What to do for a message the bot could not answer: the advice response for its most serious red
    flag (the one the safety action would send), the flags to record, and whether to ask to try again."""

    advice_response: Optional[str]
    flags: List[Finding] = field(default_factory=list)
    try_again: bool = True


def unanswered(result: ScanResult) -> Unanswered:
    """A possible emergency gets the emergency advice too: the safety action would ask "is this happening
    now?" and advise on "not sure", but a patient the bot cannot answer cannot be asked."""
    top = result.top
    if top is None:
        return Unanswered(None)
    response = scanner_for().rules.advice_responses[top.level]
    # Emergency and urgent advice is all the patient needs now; the review advice only says it was noted.
    return Unanswered(response, result.flags, try_again=top.level == "review")


def source_key(message_id: str) -> str:
    """The key the safety action records a message's flags under (actions/safety.py), so that a message
    is never flagged twice."""
    return f"message:{message_id}"


def record(sender_id: str, message_id: str, flags: List[Finding]) -> None:
    """Record the flags through the same service the safety action uses (alerts are queued with them)."""
    with session_scope() as session:
        record_flags(session, sender_id, source_key(message_id), flags)


# --- noticing that the bot did not answer -------------------------------------------------------------------
_FAILED: ContextVar[Optional[List[str]]] = ContextVar("assistant_channel_failed", default=None)


class _ActionFailures(logging.Filter):
    """Notes, for the message being handled, that Rasa's processor could not run an action (it logs this and
    goes on without the action's events or messages). Never hides a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        failed = _FAILED.get()
        if failed is not None and str(record.msg).startswith(ACTION_FAILED):
            failed.append(record.name)
        return True


def watch_failures() -> None:
    processor_logger = logging.getLogger("rasa.core.processor")
    if not any(isinstance(f, _ActionFailures) for f in processor_logger.filters):
        processor_logger.addFilter(_ActionFailures())


def watch_sent(output_channel: Any) -> List[Dict[str, Any]]:
    """Every message the bot sends through this output channel, noted as it goes. Wrapped on the
    instance, so the channel's type and name stay what Rasa expects."""
    sent: List[Dict[str, Any]] = []
    original = output_channel.send_response

    async def send_response(recipient_id: Text, message: Dict[Text, Any]) -> None:
        sent.append(message)
        await original(recipient_id, message)

    output_channel.send_response = send_response
    return sent


# --- the guard around Rasa's message handler ----------------------------------------------------------------
class Guard:
    """Wraps Rasa's ``on_new_message``: long messages parsed in parts, and a reply to every message."""

    def __init__(self, on_new_message: Callable[[Any], Awaitable[Any]]):
        self.on_new_message = on_new_message
        self.app = None  # the Sanic app, set when the server starts; its ctx holds Rasa's agent
        channel_words()  # a broken wording file stops start-up, not a patient's message
        watch_failures()

    def _agent(self):
        return getattr(self.app.ctx, "agent", None) if self.app is not None else None

    async def __call__(self, message) -> None:
        agent, text = self._agent(), message.text or ""
        whole: Optional[ScanResult] = None
        sent = watch_sent(message.output_channel)
        failed: List[str] = []
        token = _FAILED.set(failed)
        try:
            async with ADMISSION:
                if len(text) > NLU_CHARACTERS:
                    whole = await scan_whole(text)
                    message.parse_data = await self._parse_long(agent, message, whole)
                await self.on_new_message(message)
        except Exception as error:  # noqa: BLE001 - the patient must hear back whatever broke
            failed.append(type(error).__name__)
            logger.error("a chat message could not be handled (%s)", type(error).__name__)
        finally:
            _FAILED.reset(token)
        if sent and not failed:
            return
        logger.warning("the bot could not answer a message (%s); sending the channel's reply",
                       "an action failed" if failed else "nothing was said")
        await self._answer_unanswered(agent, message, whole or await scan_whole(text), sent)

    @staticmethod
    async def _parse_long(agent, message, whole: ScanResult) -> Dict[str, Any]:
        head = UserMessage(message.text[:cut(message.text, NLU_CHARACTERS)], sender_id=message.sender_id,
                           input_channel=message.input_channel)
        parse = await agent.processor.parse_message(head)
        return route_parse(dict(parse, text=message.text), whole)

    async def _answer_unanswered(self, agent, message, result: ScanResult, sent: List[Dict[str, Any]]) -> None:
        plan = unanswered(result)
        texts, advice = [], None
        if plan.advice_response:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, record, message.sender_id, message.message_id, plan.flags)
            except Exception as error:  # noqa: BLE001 - the advice goes out even if the record fails
                logger.error("red flags of an unanswered message not recorded (%s)", type(error).__name__)
            advice = await self._response_text(agent, plan.advice_response, message)
            if advice:
                texts.append((advice, plan.advice_response))
        if plan.try_again or not advice:
            texts.append((channel_words()["try_again"], "channel_try_again"))
        already = {m.get("text") for m in sent}
        for text, name in texts:
            if text and text not in already:
                await message.output_channel.send_response(message.sender_id, {"text": text})
                await self._remember(agent, message.sender_id, text, name)

    @staticmethod
    async def _response_text(agent, name: str, message) -> Optional[str]:
        """A domain response's text, through Rasa's NLG as an action's ``utter_message`` gets it."""
        try:
            tracker = DialogueStateTracker(message.sender_id, agent.domain.slots)
            generated = await agent.nlg.generate(name, tracker, message.output_channel.name())
            return (generated or {}).get("text")
        except Exception as error:  # noqa: BLE001
            logger.error("response %s not generated (%s)", name, type(error).__name__)
            return None

    @staticmethod
    async def _remember(agent, sender_id: str, text: str, name: str) -> None:
        """Add what the channel said to the conversation, so a nurse reading it sees what the patient was told."""
        if agent is None:
            return
        try:
            async with agent.lock_store.lock(sender_id):
                tracker = await agent.processor.get_tracker(sender_id)
                tracker.update(BotUttered(text, metadata={"utter_action": name}))
                await agent.processor.save_tracker(tracker)
        except Exception as error:  # noqa: BLE001
            logger.error("the channel's reply was not added to the conversation (%s)", type(error).__name__)


def _keep_app(blueprint, guard: Guard) -> None:
    @blueprint.listener("before_server_start")
    async def keep(app, _loop) -> None:
        guard.app = app


def _freeze_when_started(blueprint) -> None:
    """Once Rasa has loaded the model (before the server starts), leave it out of garbage collections."""
    @blueprint.listener("after_server_start")
    async def freeze(_app, _loop) -> None:
        frozen = freeze_loaded_objects()
        if frozen:
            logger.info("%d objects of the loaded model left out of garbage collections", frozen)


# --- the channels ----------------------------------------------------------------------------------------------
class GuardedRestInput(RestInput):
    """``POST /webhooks/rest/webhook`` with checked requests (see the module's docstring)."""

    def blueprint(self, on_new_message):
        guard = Guard(on_new_message)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        _keep_app(webhook, guard)
        _freeze_when_started(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(_request):
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request):
            try:
                sender, text, metadata = rest_request(request.headers.get("content-type"), request.body or b"")
            except Refused as refused:
                return response.json({"error": refused.reason}, status=refused.status)
            if bool_arg(request, "stream", default=False):
                return response.stream(self.stream_response(guard, text, sender, self.name(), metadata),
                                       content_type="text/event-stream")
            collector = CollectingOutputChannel()
            await guard(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
            return response.json(collector.messages)

        return webhook


class GuardedSocketIOInput(SocketIOInput):
    """The chat page's socket.io channel, with the same checks on each message. A message whose
    conversation id is unusable is dropped (the chat page always sends a 32-character id); one that is
    too long is answered with the ``too_long`` words."""

    def blueprint(self, on_new_message):
        guard = Guard(on_new_message)

        async def checked(message) -> None:
            try:
                message.sender_id = check_sender(message.sender_id)
            except Refused as refused:
                logger.warning("socket.io message dropped: %s", refused.reason)
                return
            try:
                message.text = clean_text(message.text if message.text is not None else "")
            except Refused as refused:
                if refused.status != 413:
                    logger.warning("socket.io message dropped: %s", refused.reason)
                    return
                await message.output_channel.send_response(message.sender_id,
                                                           {"text": channel_words()["too_long"]})
                return
            if not isinstance(message.metadata, dict):
                message.metadata = None
            await guard(message)

        webhook = super().blueprint(checked)
        _keep_app(webhook, guard)
        _freeze_when_started(webhook)
        return webhook

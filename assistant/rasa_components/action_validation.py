"""Rasa's check of every action server reply, with its JSON-schema validator built once.

Rasa 3.6 (``RemoteAction._validate_action_result``) calls ``jsonschema.validate`` for every reply, and
that first re-checks the schema itself: ``bench/load.py --profile`` measured it as about half of the
Rasa server's CPU time per message. The check stays the same (same schema, same best-matching error,
same message); only the validator is made once. ``install()`` runs when Rasa loads our chat channels.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import ValidationError, exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator():
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = exceptions.best_match(_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the Action "
        f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result


__all__ = ["install", "validate_action_result", "ValidationError"]

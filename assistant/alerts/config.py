"""Where alerts go and what they link to, read from the environment per use (tests point it elsewhere)."""
from __future__ import annotations

import logging
import os
from typing import Mapping, Optional
from urllib.parse import urlsplit

from assistant.config import load_settings

log = logging.getLogger(__name__)
URL_VARIABLE = "ASSISTANT_ALERT_WEBHOOK_URL"
MAX_URL_CHARS = 500  # the alert_delivery.url column


class AlertConfigError(ValueError):
    """The webhook URL is set but cannot be used."""


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertConfigError(f"{URL_VARIABLE} must be an http(s) URL with a host")
    if len(url) > MAX_URL_CHARS:
        raise AlertConfigError(f"{URL_VARIABLE} is longer than {MAX_URL_CHARS} characters")
    return url


def webhook_url(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The configured webhook URL, or None when alerts are off (unset, or unusable: logged loudly,
    and the sender refuses to start, so ``assistant serve`` stops with the reason)."""
    env = os.environ if environ is None else environ
    url = (env.get(URL_VARIABLE) or "").strip()
    if not url:
        return None
    try:
        return check_url(url)
    except AlertConfigError as error:
        log.error("webhook alerts are off: %s", error)
        return None


def portal_base_url(environ: Optional[Mapping[str, str]] = None) -> str:
    """The staff portal's address as staff reach it (ASSISTANT_PUBLIC_URL, else host and port)."""
    env = os.environ if environ is None else environ
    public = (env.get("ASSISTANT_PUBLIC_URL") or "").strip()
    if public:
        return public.rstrip("/")
    settings = load_settings(env)
    return f"http://{settings.host}:{settings.portal_port}"

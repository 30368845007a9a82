"""Staff accounts: creation, password checks with slow-down and lock-out, disabling.

Passwords are hashed with argon2id and never logged or stored in clear. After
``SLOWDOWN_AFTER`` failed attempts each further attempt must wait a growing pause; after
``LOCK_AFTER`` the account is locked for ``LOCK_FOR``. A success resets the count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.tables import STAFF_ROLES, StaffUser, as_utc, utcnow

SLOWDOWN_AFTER = 3
LOCK_AFTER = 6
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")

_hasher = PasswordHasher()
# Checked against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A request an operator can correct (bad role, weak password, duplicate name)."""


def create_user(session: Session, username: str, password: str, role: str, display_name: str = "") -> StaffUser:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError("a username is 2-80 lower-case letters, digits, dots, dashes or underscores")
    if role not in STAFF_ROLES:
        raise AccountError(f"role must be one of {', '.join(STAFF_ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if session.execute(select(StaffUser.id).where(StaffUser.username == username)).first():
        raise AccountError(f"user {username} already exists")
    user = StaffUser(username=username, display_name=display_name.strip() or username, role=role,
                     password_hash=_hasher.hash(password), active=True, failed_logins=0)
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> List[StaffUser]:
    return list(session.execute(select(StaffUser).order_by(StaffUser.username)).scalars())


def get_user(session: Session, username: str) -> Optional[StaffUser]:
    return session.execute(select(StaffUser).where(StaffUser.username == username.strip().lower())).scalar_one_or_none()


def set_active(session: Session, username: str, active: bool) -> StaffUser:
    user = get_user(session, username)
    if user is None:
        raise AccountError(f"no user {username}")
    user.active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    return user


def set_password(session: Session, username: str, password: str) -> StaffUser:
    user = get_user(session, username)
    if user is None:
        raise AccountError(f"no user {username}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = _hasher.hash(password)
    return user


@dataclass(frozen=True)
class LoginResult:
    user: Optional[StaffUser]
    reason: str = ""            # ok | bad | wait | locked | disabled
    retry_after: int = 0        # seconds, for wait and locked

    @property
    def ok(self) -> bool:
        return self.user is not None and self.reason == "ok"


def pause_after(failures: int) -> timedelta:
    """How long to wait after ``failures`` failed attempts before the next one is considered."""
    if failures < SLOWDOWN_AFTER:
        return timedelta(0)
    return timedelta(seconds=2 ** (failures - SLOWDOWN_AFTER + 1))


def authenticate(session: Session, username: str, password: str, now: Optional[datetime] = None) -> LoginResult:
    """Check a login attempt and record its outcome on the account."""
    now = now or utcnow()
    user = get_user(session, username or "")
    if user is None:
        _verify(_DUMMY_HASH, password or "")
        return LoginResult(None, "bad")
    locked_until = as_utc(user.locked_until)
    if locked_until and locked_until > now:
        return LoginResult(None, "locked", int((locked_until - now).total_seconds()) + 1)
    last_failed = as_utc(user.last_failed_at)
    if last_failed and user.failed_logins >= SLOWDOWN_AFTER:
        allowed_at = last_failed + pause_after(user.failed_logins)
        if allowed_at > now:
            return LoginResult(None, "wait", int((allowed_at - now).total_seconds()) + 1)
    if not _verify(user.password_hash, password or ""):
        user.failed_logins += 1
        user.last_failed_at = now
        if user.failed_logins >= LOCK_AFTER:
            user.locked_until = now + LOCK_FOR
            user.failed_logins = 0
            return LoginResult(None, "locked", int(LOCK_FOR.total_seconds()))
        return LoginResult(None, "bad")
    if not user.active:
        return LoginResult(None, "disabled")
    user.failed_logins, user.last_failed_at, user.locked_until = 0, None, None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return LoginResult(user, "ok")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

"""The nurse's list of patients: enrolled records and anonymous ones, searchable and paged.

Search matches an enrolled patient's name or clinic number, and the start of an anonymous record's
conversation id (so a nurse can find the id a patient reads out before linking it)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from assistant.paging import Page, fetch_page
from assistant.tables import DiaryEntry, Flag, Patient

MAX_QUERY = 100


@dataclass(frozen=True)
class EnrolledRow:
    id: int
    full_name: str
    clinic_number: str
    date_of_birth: Optional[date]
    open_flags: int
    last_entry_at: Optional[datetime]


@dataclass(frozen=True)
class AnonymousRow:
    id: int
    sender_id: str
    first_seen: datetime
    open_flags: int
    last_entry_at: Optional[datetime]

    @property
    def short_id(self) -> str:
        return self.sender_id[:8] if self.sender_id else f"patient-{self.id}"


def clean_query(text: Optional[str]) -> str:
    """The search words as typed, normalised (odd Unicode forms, extra spaces) and capped in length."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())[:MAX_QUERY]


def _open_flags():
    return (select(func.count(Flag.id)).where(Flag.patient_id == Patient.id, Flag.status == "open")
            .correlate(Patient).scalar_subquery())


def _last_entry():
    return (select(func.max(DiaryEntry.recorded_at)).where(DiaryEntry.patient_id == Patient.id)
            .correlate(Patient).scalar_subquery())


def enrolled_patients(session: Session, query: str = "", *, page: int = 1, per_page: int = 25) -> Page[EnrolledRow]:
    text = clean_query(query)
    statement = select(Patient.id, Patient.full_name, Patient.clinic_number, Patient.date_of_birth,
                       _open_flags().label("open_flags"), _last_entry().label("last_entry_at")) \
        .where(Patient.enrolled_at.is_not(None))
    if text:
        statement = statement.where(or_(Patient.full_name.ilike(f"%{_escape(text)}%", escape="\\"),
                                        Patient.clinic_number.ilike(f"%{_escape(text)}%", escape="\\")))
    rows, total, page = fetch_page(session, statement, (func.lower(Patient.full_name), Patient.id), page, per_page)
    return Page([EnrolledRow(*row) for row in rows], total, page, per_page)


def anonymous_patients(session: Session, query: str = "", *, page: int = 1,
                       per_page: int = 25) -> Page[AnonymousRow]:
    text = clean_query(query)
    statement = select(Patient.id, Patient.sender_id, Patient.created_at, _open_flags().label("open_flags"),
                       _last_entry().label("last_entry_at")).where(Patient.enrolled_at.is_(None))
    if text:
        statement = statement.where(Patient.sender_id.startswith(text, autoescape=True))
    rows, total, page = fetch_page(session, statement, (Patient.created_at.desc(), Patient.id.desc()), page, per_page)
    return Page([AnonymousRow(*row) for row in rows], total, page, per_page)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""One page of a long list (patients, audit events, queue items), the same way everywhere."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, List, Tuple, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill; an empty list still has one (empty) page."""
    return max(1, -(-total // per_page))


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: List[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def fetch_page(session: Session, query, order, page: int, per_page: int) -> Tuple[list, int, int]:
    """(rows, total, page) of a select, the page number clamped to the pages there are."""
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, min(page, page_count(total, per_page)))
    rows = session.execute(query.order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
    return rows, total, page

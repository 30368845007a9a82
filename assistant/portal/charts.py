"""Server-rendered SVG charts of a diary: leg and back pain over time, with treatments marked.

Pure functions with no Flask in them, so that the staff pages and the patient's chat widget draw the
same chart. Every piece of text that goes into the SVG is escaped here, which is what allows a template
to insert the result unescaped. Only presentation attributes are used (no ``style``), so the chart
works under a strict Content-Security-Policy and prints without a stylesheet.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Union

import yaml

from assistant.config import PROJECT_ROOT

When = Union[date, datetime]

LEG_COLOUR = "#b2182b"    # red, with round markers and a solid line
BACK_COLOUR = "#2166ac"   # blue, with square markers and a dashed line
INK, GRID, MUTED = "#1b1f24", "#d0d7de", "#4a5560"
TICK_STEPS_DAYS = (1, 2, 7, 14, 28, 56, 91, 182, 365, 730)


@dataclass(frozen=True)
class PainPoint:
    """One diary entry's scores (0-10; None when not answered)."""

    at: When
    leg: Optional[float]
    back: Optional[float]


@dataclass(frozen=True)
class Marker:
    """A dated event drawn as a labelled vertical line (a treatment)."""

    at: When
    label: str


WORDING_PATH = PROJECT_ROOT / "content" / "wording" / "chart.yml"


@dataclass(frozen=True)
class ChartText:
    """The words in the chart, from the reviewed wording file (content/wording/chart.yml)."""

    title: str
    leg: str
    back: str
    axis: str
    empty: str
    summary: str
    series: str
    treatments: str
    point: str


@lru_cache(maxsize=None)
def chart_text(audience: str, path: Path = WORDING_PATH) -> ChartText:
    """The chart's words for ``staff`` or ``patient``; a missing or unknown word stops with its name."""
    section = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(audience)
    names = [f.name for f in fields(ChartText)]
    if not isinstance(section, dict) or set(section) != set(names) or \
            not all(isinstance(section[n], str) and section[n].strip() for n in names):
        raise ValueError(f"{path.name}: '{audience}' needs exactly these words: {', '.join(names)}")
    return ChartText(**section)


STAFF_TEXT = chart_text("staff")

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(text: Any) -> str:
    """Text made safe for SVG/XML content and attribute values."""
    return html.escape(_INVALID_XML.sub("", str(text)), quote=True)


def _moment(value: When) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(12, 0), tzinfo=timezone.utc)
    if isinstance(value, str):
        return _moment(datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value))
    raise TypeError(f"not a date: {value!r}")


def _score(value: Any) -> Optional[float]:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return min(10.0, max(0.0, number)) if number == number else None  # NaN is no score


def _as_point(item: Any) -> PainPoint:
    if isinstance(item, PainPoint):
        return PainPoint(_moment(item.at), _score(item.leg), _score(item.back))
    if isinstance(item, Mapping):
        at = item.get("at", item.get("recorded_at"))
        return PainPoint(_moment(at), _score(item.get("leg", item.get("leg_pain"))),
                         _score(item.get("back", item.get("back_pain"))))
    at, leg, back = item
    return PainPoint(_moment(at), _score(leg), _score(back))


def _as_marker(item: Any) -> Marker:
    if isinstance(item, Marker):
        return Marker(_moment(item.at), str(item.label))
    if isinstance(item, Mapping):
        return Marker(_moment(item.get("at", item.get("occurred_on"))), str(item.get("label", item.get("therapy", ""))))
    at, label = item
    return Marker(_moment(at), str(label))


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _safe_id(chart_id: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "", chart_id or "")
    return cleaned if cleaned[:1].isalpha() else f"chart-{cleaned}"


def _description(points: List[PainPoint], markers: List[Marker], text: ChartText) -> str:
    parts = [text.summary.format(count=len(points), first=_day(points[0].at), last=_day(points[-1].at))]
    for name, values in ((text.leg, [p.leg for p in points]), (text.back, [p.back for p in points])):
        scored = [v for v in values if v is not None]
        if scored:
            parts.append(text.series.format(name=name, first=_number(scored[0]), latest=_number(scored[-1]),
                                            low=_number(min(scored)), high=_number(max(scored))))
    if markers:
        parts.append(text.treatments.format(items=", ".join(f"{m.label} ({_day(m.at)})" for m in markers)))
    return " ".join(parts)


def _ticks(start: datetime, end: datetime, max_ticks: int) -> List[datetime]:
    """Midday ticks (where a plain date is drawn) every 1, 2, 7, ... days: the smallest step that gives
    at most ``max_ticks``."""
    span_days = max(1.0, (end - start).total_seconds() / 86400)
    step = next((s for s in TICK_STEPS_DAYS if span_days / s <= max_ticks), TICK_STEPS_DAYS[-1])
    first = datetime.combine(start.date(), time(12), tzinfo=timezone.utc)
    if first < start:
        first += timedelta(days=1)
    ticks, tick = [], first
    while tick <= end:
        ticks.append(tick)
        tick += timedelta(days=step)
    return ticks


def pain_chart_svg(points: Iterable[Any], width: int = 640, height: int = 260, *,
                   treatments: Iterable[Any] = (), chart_id: str = "pain-chart",
                   text: ChartText = STAFF_TEXT) -> str:
    """An accessible SVG line chart of leg and back pain (0-10) over time.

    ``points``: PainPoint, (when, leg, back) tuples or mappings with at/recorded_at, leg_pain, back_pain.
    ``treatments``: Marker, (when, label) tuples or mappings with at/occurred_on and label/therapy.
    """
    width, height = max(240, int(width)), max(140, int(height))
    chart_id = _safe_id(chart_id)
    series = sorted((_as_point(p) for p in points), key=lambda p: p.at)
    series = [p for p in series if p.leg is not None or p.back is not None]
    markers = sorted((_as_marker(m) for m in treatments), key=lambda m: m.at)

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="pain-chart" role="img" '
           f'aria-labelledby="{title_id} {desc_id}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12">',
           f'<title id="{title_id}">{esc(text.title)}</title>']
    if not series:
        out.append(f'<desc id="{desc_id}">{esc(text.empty)}</desc>')
        out.append(f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="#fff" stroke="{GRID}"/>')
        out.append(f'<text class="empty" x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
                   f'fill="{MUTED}">{esc(text.empty)}</text></svg>')
        return "".join(out)
    out.append(f'<desc id="{desc_id}">{esc(_description(series, markers, text))}</desc>')

    left, right, top, bottom = 44, 16, 40, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    moments = [p.at for p in series] + [m.at for m in markers]
    start, end = min(moments), max(moments)
    if end - start < timedelta(days=1):
        start, end = start - timedelta(hours=12), end + timedelta(hours=12)
    margin = (end - start) * 0.03  # keep the first and last markers off the frame
    start, end = start - margin, end + margin
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return left + plot_w * (moment - start).total_seconds() / span

    def y(value: float) -> float:
        return top + plot_h * (1 - value / 10)

    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="{GRID}"/>')
    out.append('<g class="y-axis">')
    for value in range(0, 11, 2):
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{GRID}"/>'
                   f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="{INK}">{value}</text>')
    out.append(f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" fill="{MUTED}" '
               f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{esc(text.axis)}</text></g>')

    out.append('<g class="x-axis">')
    for tick in _ticks(start, end, max(2, plot_w // 80)):
        out.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top + plot_h}" y2="{top + plot_h + 5}" '
                   f'stroke="{INK}"/><text x="{x(tick):.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
                   f'fill="{INK}">{esc(f"{tick.day} {tick:%b}")}</text>')
    out.append("</g>")

    if markers:
        out.append('<g class="treatments">')
        for index, marker in enumerate(markers):
            mx = x(marker.at)
            anchor = "start" if mx < left + plot_w / 2 else "end"
            shift = 3 if anchor == "start" else -3
            out.append(f'<g class="treatment"><title>{esc(f"{marker.label}, {_day(marker.at)}")}</title>'
                       f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{MUTED}" '
                       f'stroke-width="1.5" stroke-dasharray="2 3"/>'
                       f'<text x="{mx + shift:.1f}" y="{top + 12 + 13 * (index % 3)}" text-anchor="{anchor}" '
                       f'fill="{INK}" font-size="11">{esc(marker.label)}</text></g>')
        out.append("</g>")

    for key, name, colour, dash in (("leg", text.leg, LEG_COLOUR, None), ("back", text.back, BACK_COLOUR, "6 4")):
        path, dots = [], []
        for point in series:  # an entry without this score is skipped: the line joins its neighbours
            value = getattr(point, key)
            if value is None:
                continue
            px, py = x(point.at), y(value)
            path.append(f"{'L' if path else 'M'}{px:.1f} {py:.1f}")
            label = esc(text.point.format(day=_day(point.at), name=name, value=_number(value)))
            dots.append(_marker(key, px, py, colour, label))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series series-{key}"><path d="{" ".join(path)}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"{dash_attr}/>{"".join(dots)}</g>')

    out.append(_legend(left, text))
    out.append("</svg>")
    return "".join(out)


def _marker(key: str, px: float, py: float, colour: str, label: str) -> str:
    if key == "leg":
        shape = f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}"/>'
    else:
        shape = f'<rect x="{px - 3.5:.1f}" y="{py - 3.5:.1f}" width="7" height="7" fill="#fff" stroke="{colour}" ' \
                f'stroke-width="2"/>'
    return f'<g class="point"><title>{label}</title>{shape}</g>'


def _legend(left: int, text: ChartText) -> str:
    items, offset = [], left
    for key, name, colour, dash in (("leg", text.leg, LEG_COLOUR, None), ("back", text.back, BACK_COLOUR, "6 4")):
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(f'<line x1="{offset}" x2="{offset + 28}" y1="14" y2="14" stroke="{colour}" stroke-width="2"'
                     f'{dash_attr}/>{_marker(key, offset + 14, 14, colour, esc(name))}'
                     f'<text x="{offset + 34}" y="18" fill="{INK}">{esc(name)}</text>')
        offset += 40 + 8 * len(name) + 16
    return f'<g class="legend" aria-hidden="true">{"".join(items)}</g>'


def points_from_entries(entries: Sequence[Any]) -> List[PainPoint]:
    """Chart points from diary entries (anything with recorded_at, leg_pain and back_pain)."""
    return [PainPoint(e.recorded_at, e.leg_pain, e.back_pain) for e in entries]


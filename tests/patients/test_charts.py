"""The SVG pain chart: well-formed, accessible, two distinguishable series, treatments marked, every
text escaped, an empty state, and no Flask needed."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone

import pytest

from assistant.portal.charts import STAFF_TEXT, Marker, PainPoint, pain_chart_svg

NS = {"svg": "http://www.w3.org/2000/svg"}
POINTS = [PainPoint(date(2025, 3, 1), 7, 3), PainPoint(date(2025, 3, 4), 6, None),
          PainPoint(datetime(2025, 3, 9, 18, 30, tzinfo=timezone.utc), 4, 2)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_chart_is_well_formed_and_accessible():
    root = parse(pain_chart_svg(POINTS, 600, 240, chart_id="p1"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "p1-title p1-desc"
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title.get("id") == "p1-title" and title.text == "Leg and back pain over time"
    assert desc.get("id") == "p1-desc" and "3 diary entries from 1 Mar 2025 to 9 Mar 2025" in desc.text
    assert "Leg pain: first 7, latest 4" in desc.text and "Back pain: first 3, latest 2" in desc.text
    assert root.get("viewBox") == "0 0 600 240"


def test_two_series_differ_in_colour_marker_shape_and_dash():
    root = parse(pain_chart_svg(POINTS))
    leg = root.find(".//svg:g[@class='series series-leg']", NS)
    back = root.find(".//svg:g[@class='series series-back']", NS)
    leg_path, back_path = leg.find("svg:path", NS), back.find("svg:path", NS)
    assert leg_path.get("stroke") != back_path.get("stroke")
    assert back_path.get("stroke-dasharray") and not leg_path.get("stroke-dasharray")
    assert len(leg.findall(".//svg:circle", NS)) == 3 and not leg.findall(".//svg:rect", NS)
    assert len(back.findall(".//svg:rect", NS)) == 2 and not back.findall(".//svg:circle", NS)  # one entry had none
    assert leg_path.get("d").count("L") == 2 and back_path.get("d").count("L") == 1
    assert len(root.findall(".//svg:path", NS)) == 2


def test_y_axis_runs_from_0_to_10_and_dates_are_ticked():
    root = parse(pain_chart_svg(POINTS))
    y_labels = [t.text for t in root.findall(".//svg:g[@class='y-axis']/svg:text", NS)]
    assert y_labels[:6] == ["0", "2", "4", "6", "8", "10"]
    x_labels = [t.text for t in root.findall(".//svg:g[@class='x-axis']/svg:text", NS)]
    assert x_labels[0] == "1 Mar" and "9 Mar" in x_labels


def test_higher_scores_are_drawn_higher():
    root = parse(pain_chart_svg([PainPoint(date(2025, 1, 1), 0, 10), PainPoint(date(2025, 1, 2), 10, 0)]))
    leg = [float(c.get("cy")) for c in root.findall(".//svg:g[@class='series series-leg']//svg:circle", NS)]
    assert leg[0] > leg[1]  # SVG y grows downwards


def test_treatments_are_labelled_vertical_markers():
    root = parse(pain_chart_svg(POINTS, treatments=[Marker(date(2025, 3, 5), "Nerve root block"),
                                                    (date(2025, 3, 7), "Physio")]))
    markers = root.findall(".//svg:g[@class='treatment']", NS)
    assert [m.find("svg:text", NS).text for m in markers] == ["Nerve root block", "Physio"]
    line = markers[0].find("svg:line", NS)
    assert line.get("x1") == line.get("x2") and line.get("y1") != line.get("y2")
    assert "Treatments: Nerve root block (5 Mar 2025), Physio (7 Mar 2025)." in root.find("svg:desc", NS).text


def test_every_text_is_escaped():
    text = dataclasses.replace(STAFF_TEXT, title="<script>alert(1)</script>", leg='Leg "pain" & co')
    svg = pain_chart_svg(POINTS, treatments=[(date(2025, 3, 5), "<img src=x onerror=alert(1)>")], text=text,
                         chart_id='x" onload="alert(1)')
    assert "<script>" not in svg and "<img" not in svg and 'onload="' not in svg
    root = parse(svg)
    assert root.find("svg:title", NS).text == "<script>alert(1)</script>"
    assert root.find(".//svg:g[@class='treatment']/svg:text", NS).text == "<img src=x onerror=alert(1)>"
    parse(pain_chart_svg(POINTS, treatments=[(date(2025, 3, 5), "bad \x00\x08 control")]))  # still XML


def test_empty_state_when_there_are_no_scores():
    for points in ([], [PainPoint(date(2025, 1, 1), None, None)]):
        root = parse(pain_chart_svg(points))
        assert root.get("role") == "img"
        assert root.find("svg:desc", NS).text == "No diary entries yet."
        assert root.find(".//svg:text[@class='empty']", NS).text == "No diary entries yet."
        assert not root.findall(".//svg:path", NS)


def test_accepts_tuples_and_mappings_and_clamps_scores():
    from_tuples = pain_chart_svg([(date(2025, 1, 1), 12, -3), ("2025-01-02", "5", "x")])
    root = parse(from_tuples)
    circles = root.findall(".//svg:g[@class='series series-leg']//svg:circle", NS)
    assert len(circles) == 2 and "lowest 5, highest 10" in root.find("svg:desc", NS).text
    from_dicts = pain_chart_svg([{"recorded_at": "2025-01-01T08:00:00+00:00", "leg_pain": 3, "back_pain": 4}])
    assert len(parse(from_dicts).findall(".//svg:path", NS)) == 2


def test_single_entry_and_tiny_sizes_still_render():
    root = parse(pain_chart_svg([PainPoint(date(2025, 1, 1), 5, 5)], width=10, height=10))
    assert root.get("width") == "240" and root.get("height") == "140"


def test_charts_module_does_not_import_flask():
    """Loaded on its own (not through the portal package, whose app factory needs Flask), the chart
    builder works without Flask: the chat widget can use it."""
    import assistant.portal.charts as charts
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('charts', {charts.__file__!r})\n"
            "module = sys.modules['charts'] = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(module)\n"
            "svg = module.pain_chart_svg([('2025-01-01', 3, 4)])\n"
            "print('flask' in sys.modules, svg.startswith('<svg'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_chart_words_come_from_the_reviewed_file_and_a_gap_is_refused(tmp_path):
    import yaml
    from assistant.portal.charts import WORDING_PATH, chart_text
    assert chart_text("patient").title == yaml.safe_load(WORDING_PATH.read_text())["patient"]["title"]
    assert chart_text("staff").title == "Leg and back pain over time"
    broken = tmp_path / "chart.yml"
    data = yaml.safe_load(WORDING_PATH.read_text())
    del data["patient"]["axis"]
    broken.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="'patient' needs exactly these words"):
        chart_text("patient", broken)

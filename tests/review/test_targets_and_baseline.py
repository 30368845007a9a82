"""The response targets file and the baseline arithmetic."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from assistant.review.baseline import change_from_baseline, leg_pain_changes
from assistant.review.targets import TARGETS_PATH, TargetsFileError, describe, load_targets, parse_targets
from tests.review.factory import anonymous, diary

T0 = datetime(2024, 6, 1, tzinfo=timezone.utc)


def test_the_reviewed_file_holds_the_agreed_targets():
    targets = load_targets(TARGETS_PATH)
    assert targets.by_level == {"emergency": timedelta(minutes=15), "urgent": timedelta(hours=4),
                                "callback": timedelta(hours=24), "review": timedelta(hours=72)}


@pytest.mark.parametrize("data, problem", [
    (None, "mapping"),
    ({"version": 1, "targets": {"emergency": 15, "urgent": 240, "callback": 1440}}, "review"),
    ({"version": 1, "targets": {"emergency": 0, "urgent": 240, "callback": 1440, "review": 10}}, "emergency"),
    ({"version": 1, "targets": {"emergency": "soon", "urgent": 240, "callback": 1440, "review": 10}}, "emergency"),
    ({"version": 1, "targets": {"emergency": 15, "urgent": 240, "callback": 1440, "review": 10, "later": 5}}, "later"),
    ({"version": "one", "targets": {"emergency": 15, "urgent": 240, "callback": 1440, "review": 10}}, "version"),
])
def test_a_malformed_targets_file_is_refused_with_the_reason(data, problem):
    with pytest.raises(TargetsFileError, match=problem):
        parse_targets(data)


def test_durations_read_the_way_a_nurse_says_them():
    assert [describe(timedelta(minutes=m)) for m in (0, 15, 60, 245, 1440, 3 * 1440 + 125)] == [
        "0 min", "15 min", "1 h", "4 h 5 min", "1 d", "3 d 2 h"]


def test_change_is_latest_minus_median_of_the_week_before():
    points = [(T0 - timedelta(days=9), 0), (T0 - timedelta(days=6), 2), (T0 - timedelta(days=3), 4),
              (T0 - timedelta(days=1), 9), (T0 - timedelta(hours=1), None), (T0, 8)]
    assert change_from_baseline(points) == 8 - 4
    assert change_from_baseline([(T0, 8)]) is None  # nothing to compare with
    assert change_from_baseline([(T0 - timedelta(days=8), 2), (T0, 8)]) is None  # baseline too old
    assert change_from_baseline([]) is None


def test_leg_pain_changes_read_each_patients_own_entries(session):
    a, b, c, d = (anonymous(session, f"baseline-{n}") for n in range(4))
    for days_ago, value in ((5, 2), (3, 2), (1, 4), (0, 7)):
        diary(session, a, value, days_ago)
    diary(session, b, 6, 2)
    diary(session, b, None, 0)  # an entry without a leg pain score does not count as the latest
    diary(session, d, 3, 102)  # stopped writing months ago: compared within their own old week
    diary(session, d, 6, 100)
    assert leg_pain_changes(session, [a.id, b.id, c.id, d.id]) == {a.id: 5.0, b.id: None, c.id: None, d.id: 3.0}

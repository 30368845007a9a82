"""The queue service on a real migrated database: order, counts, filters, pages, groups, sorting."""
from __future__ import annotations

from datetime import timedelta

from assistant.review.queue import QueueQuery, load_queue
from assistant.safety.flags import record_flags
from tests.review.factory import NOW, anonymous, diary, enrolled, finding, flag


def groups(page):
    return [item.group_id for item in page.items]


def test_emergency_first_then_urgent_callback_review_and_oldest_first_within_a_level(session):
    patient = anonymous(session, "queue-order")
    review = flag(session, patient, "review", "side_effects", minutes_ago=500)
    urgent_new = flag(session, patient, "urgent", "weakness", minutes_ago=10)
    callback = flag(session, patient, "callback", "callback", minutes_ago=600)
    urgent_old = flag(session, patient, "urgent", "fever", minutes_ago=90)
    emergency = flag(session, patient, "emergency", "cauda_equina", minutes_ago=1)
    page = load_queue(session, now=NOW)
    assert groups(page) == [emergency.id, urgent_old.id, urgent_new.id, callback.id, review.id]
    assert [item.level for item in page.items] == ["emergency", "urgent", "urgent", "callback", "review"]
    assert page.counts == {"emergency": 1, "urgent": 1 + 1, "callback": 1, "review": 1}


def test_waiting_time_against_the_target_marks_overdue_items(session):
    patient = anonymous(session, "queue-targets")
    late = flag(session, patient, "emergency", "cauda_equina", minutes_ago=16)
    fresh = flag(session, patient, "emergency", "infection", minutes_ago=14)
    callback_late = flag(session, patient, "callback", "callback", minutes_ago=25 * 60)
    review_ok = flag(session, patient, "review", "side_effects", minutes_ago=71 * 60)
    page = load_queue(session, now=NOW)
    by_id = {item.group_id: item for item in page.items}
    assert by_id[late.id].overdue and by_id[late.id].waited == timedelta(minutes=16)
    assert by_id[late.id].target == timedelta(minutes=15)
    assert not by_id[fresh.id].overdue
    assert by_id[callback_late.id].overdue and by_id[callback_late.id].target == timedelta(hours=24)
    assert not by_id[review_ok.id].overdue and by_id[review_ok.id].target == timedelta(hours=72)
    assert page.overdue == 2


def test_filters_by_level_and_status_and_counts_stay_over_every_level(session):
    patient = anonymous(session, "queue-filters")
    flag(session, patient, "urgent", "weakness", minutes_ago=5)
    acked = flag(session, patient, "urgent", "fever", minutes_ago=6, status="acknowledged")
    resolved = flag(session, patient, "review", "side_effects", minutes_ago=7, status="resolved")
    flag(session, patient, "review", "sleep", minutes_ago=8)

    default = load_queue(session, now=NOW)
    assert len(default.items) == 3 and resolved.id not in groups(default)
    assert default.counts["urgent"] == 2 and default.counts["review"] == 1

    urgent = load_queue(session, QueueQuery(level="urgent"), now=NOW)
    assert [i.level for i in urgent.items] == ["urgent", "urgent"]
    assert urgent.counts["review"] == 1  # the counts at the top still show every level
    assert [i.status for i in urgent.items] == ["open", "acknowledged"]  # open before acknowledged

    assert groups(load_queue(session, QueueQuery(status="acknowledged"), now=NOW)) == [acked.id]
    assert groups(load_queue(session, QueueQuery(status="resolved"), now=NOW)) == [resolved.id]
    assert len(load_queue(session, QueueQuery(status="open"), now=NOW).items) == 2


def test_unknown_filter_values_are_named_and_ignored():
    query = QueueQuery.from_args({"level": "<script>", "status": "' OR 1=1 --", "sort": "x", "page": "9" * 40})
    assert (query.level, query.status, query.sort, query.page) == (None, "unresolved", "level", 1)
    assert len(query.problems) == 4
    assert QueueQuery.from_args({"level": "callback", "page": "2"}).args() == {"level": "callback", "page": "2"}


def test_pages(session):
    patient = anonymous(session, "queue-pages")
    made = [flag(session, patient, "review", f"category_{n}", minutes_ago=100 - n) for n in range(7)]
    first = load_queue(session, QueueQuery(page=1), per_page=3, now=NOW)
    third = load_queue(session, QueueQuery(page=3), per_page=3, now=NOW)
    beyond = load_queue(session, QueueQuery(page=99), per_page=3, now=NOW)
    assert (first.total, first.pages) == (7, 3)
    assert groups(first) == [f.id for f in made[:3]]
    assert groups(third) == [made[6].id]
    assert beyond.page == 3 and groups(beyond) == [made[6].id]


def test_flags_of_one_category_within_a_day_are_one_item_with_their_count(session):
    record_flags(session, "queue-group", "message:1", [finding("urgent", "weakness", "WK-1", "foot weaker")])
    record_flags(session, "queue-group", "message:2", [finding("urgent", "weakness", "WK-1", "foot much weaker")])
    record_flags(session, "queue-group", "message:3", [finding("emergency", "weakness", "WK-2", "cannot lift foot")])
    record_flags(session, "queue-group", "message:4", [finding("review", "side_effects", "SE-1", "dizzy")])
    page = load_queue(session)
    assert [(i.level, i.category, i.count) for i in page.items] == [("emergency", "weakness", 3),
                                                                    ("review", "side_effects", 1)]
    item = page.items[0]
    assert len(item.flag_ids) == 3 and item.evidence[0] == "cannot lift foot"
    assert page.counts["emergency"] == 1 and page.counts["urgent"] == 0
    assert page.flag_total == 4


def test_a_new_flag_in_an_acknowledged_group_reopens_the_item(session):
    patient = anonymous(session, "queue-reopen")
    first = flag(session, patient, "urgent", "weakness", minutes_ago=120, status="acknowledged")
    first.acknowledged_at = NOW - timedelta(minutes=100)
    later = flag(session, patient, "urgent", "weakness", minutes_ago=30, group=first)
    (item,) = load_queue(session, now=NOW).items
    assert item.status == "open" and item.count == 2 and item.flag_ids == [first.id, later.id]
    assert item.waited == timedelta(minutes=30)  # waiting since the flag nobody has answered


def test_answered_items_show_how_long_the_answer_took(session):
    patient = anonymous(session, "queue-answered")
    acked = flag(session, patient, "emergency", "cauda_equina", minutes_ago=60, status="acknowledged")
    acked.acknowledged_at = NOW - timedelta(minutes=40)
    (item,) = load_queue(session, now=NOW).items
    assert item.waited == timedelta(minutes=20) and item.late and not item.overdue


def test_sort_by_waiting_puts_the_longest_waiting_open_item_first(session):
    patient = anonymous(session, "queue-wait")
    emergency = flag(session, patient, "emergency", "cauda_equina", minutes_ago=5)
    review = flag(session, patient, "review", "side_effects", minutes_ago=3000)
    urgent = flag(session, patient, "urgent", "fever", minutes_ago=200)
    acked = flag(session, patient, "review", "sleep", minutes_ago=9000, status="acknowledged")
    acked.acknowledged_at = NOW - timedelta(minutes=8999)
    page = load_queue(session, QueueQuery(sort="waiting"), now=NOW)
    assert groups(page) == [review.id, urgent.id, emergency.id, acked.id]


def test_sort_by_change_from_baseline_puts_the_largest_rise_first(session):
    steady, jumped, falling, no_diary = (anonymous(session, f"queue-change-{n}") for n in range(4))
    for patient, values in ((steady, [5, 5, 6, 5]), (jumped, [3, 4, 3, 9]), (falling, [8, 8, 7, 4])):
        for days_ago, value in zip((6, 4, 2, 0), values):
            diary(session, patient, value, days_ago)
    diary(session, steady, 0, 30)  # older than the 7-day window: not part of the baseline
    flags = {p.id: flag(session, p, "review", "side_effects", minutes_ago=10 + p.id)
             for p in (steady, jumped, falling, no_diary)}
    page = load_queue(session, QueueQuery(sort="change"), now=NOW)
    assert [i.patient_id for i in page.items] == [jumped.id, steady.id, falling.id, no_diary.id]
    assert [i.change for i in page.items] == [6.0, 0.0, -4.0, None]
    assert groups(page) == [flags[p].id for p in (jumped.id, steady.id, falling.id, no_diary.id)]


def test_patients_are_labelled_by_first_name_and_clinic_number_or_as_anonymous(session):
    known = enrolled(session, "Alex", "RM-7")
    unknown = anonymous(session, "+44 7700 900123")  # a sender id can be a phone number: never shown
    flag(session, known, "urgent", "fever", minutes_ago=2)
    flag(session, unknown, "urgent", "weakness", minutes_ago=1)
    labels = [item.patient_label for item in load_queue(session, now=NOW).items]
    assert labels == ["Alex (RM-7)", f"anonymous #{unknown.id}"]

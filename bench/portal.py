"""How fast the nurse's queue and patient page load on a large clinic's data (a real SQLite database).

Builds PATIENTS patients with three weeks of diary each and a few flags, then times the queue
(sorted by level, by waiting time, by change from baseline) and the patient record, and writes the
medians to docs/benchmarks.md (section "portal"). Usage: python bench/portal.py [--patients 1500]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.db import session_scope  # noqa: E402
from assistant.migrate import upgrade  # noqa: E402
from assistant.patients.record import load_record  # noqa: E402
from assistant.review.queue import QueueQuery, load_queue  # noqa: E402
from assistant.tables import DiaryEntry, Flag, Patient, PatientSender  # noqa: E402
from bench.report import write_section  # noqa: E402

LEVELS = ("emergency", "urgent", "callback", "review")
CATEGORIES = ("cauda_equina", "weakness", "infection", "pain_trend", "callback")


def build(url: str, patients: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    flags = 0
    with session_scope(url) as session:
        for number in range(patients):
            patient = Patient(sender_id=f"bench-{number}", created_at=now - timedelta(days=30))
            session.add(patient)
            session.flush()
            session.add(PatientSender(sender_id=patient.sender_id, patient_id=patient.id, method="first_use"))
            for day in range(21):
                session.add(DiaryEntry(patient_id=patient.id, recorded_at=now - timedelta(days=21 - day),
                                       leg_pain=rng.randint(2, 9), back_pain=rng.randint(1, 7)))
            for _ in range(rng.randint(0, 9)):
                raised = now - timedelta(minutes=rng.randint(1, 6000))
                flag = Flag(patient_id=patient.id, source_key=f"message:bench-{flags}", rule_id="BENCH-RULE",
                            rule_version=1, level=rng.choice(LEVELS), category=rng.choice(CATEGORIES),
                            evidence="bench evidence", assertion="affirmed",
                            status=rng.choice(("open", "open", "acknowledged", "resolved")),
                            created_at=raised, updated_at=raised)
                session.add(flag)
                session.flush()
                flag.group_id = flag.id
                flags += 1
    return flags


def timed(function, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{Path(work) / 'bench.db'}"
        upgrade(url)
        flags = build(url, args.patients)
        with session_scope(url) as session:
            rows = {}
            for sort in ("level", "waiting", "change"):
                page = load_queue(session, QueueQuery(sort=sort))
                rows[sort] = timed(lambda: load_queue(session, QueueQuery(sort=sort)), args.repeats)
            groups = sum(page.counts.values())
            some_patient = session.query(Patient.id).first()[0]
            rows["patient page record"] = timed(lambda: load_record(session, some_patient), args.repeats)
    body = (f"## Staff portal: queue and patient page (bench/portal.py)\n\n"
            f"{args.patients} patients with 21 diary entries each ({args.patients * 21} entries), {flags} flags, "
            f"{groups} unresolved queue items; real SQLite database; median of {args.repeats} runs.\n\n"
            "| view | median ms |\n| --- | --- |\n"
            f"| queue, sorted by level (default) | {rows['level']:.0f} |\n"
            f"| queue, sorted by waiting time | {rows['waiting']:.0f} |\n"
            f"| queue, sorted by change from baseline | {rows['change']:.0f} |\n"
            f"| patient page data (diary, flags, treatments) | {rows['patient page record']:.0f} |\n")
    write_section("portal", body)
    print(body)


if __name__ == "__main__":
    main()

"""Flags are stored once per message and rule, listed most serious first, and shown by the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from assistant.db import session_scope
from assistant.safety.flags import list_flags, record_flags
from assistant.safety.scanner import scanner_for


def test_the_same_message_does_not_create_two_flags(session):
    findings = scanner_for().scan("I can't pee and I have a fever").findings
    first = record_flags(session, "patient-a", "message:1", findings)
    again = record_flags(session, "patient-a", "message:1", findings)
    assert sorted(f.rule_id for f in first) == ["CE-BLADDER", "IN-FEVER"]
    assert again == []
    assert len(list_flags(session)) == 2


def test_negated_findings_are_not_stored(session):
    assert record_flags(session, "patient-a", "message:2", scanner_for().scan("no bladder problems").findings) == []


def test_flags_are_listed_emergency_first_then_oldest(session):
    record_flags(session, "patient-b", "message:10", scanner_for().scan("gabapentin makes me dizzy").findings)
    record_flags(session, "patient-c", "message:11", scanner_for().scan("i have a fever").findings)
    record_flags(session, "patient-b", "message:12", scanner_for().scan("i wet myself").findings)
    flags = list_flags(session)
    assert [f.level for f in flags] == ["emergency", "urgent", "review"]
    assert [f.patient_id for f in list_flags(session, patient="patient-b")] == ["patient-b", "patient-b"]
    assert list_flags(session, status="resolved") == []


def test_cli_lists_flags_as_json(db_url):
    with session_scope(db_url) as session:
        record_flags(session, "patient-d", "message:20", scanner_for().scan("my foot keeps dragging").findings)
    result = subprocess.run([str(Path(sys.executable).parent / "assistant"), "flags", "list", "--status", "open",
                             "--json"], capture_output=True, text=True, env=dict(os.environ, ASSISTANT_DATABASE_URL=db_url))
    (flag,) = json.loads(result.stdout)
    assert {k: flag[k] for k in ("patient_id", "level", "category", "rule_id", "status")} == {
        "patient_id": "patient-d", "level": "emergency", "category": "progressive_weakness",
        "rule_id": "WK-FOOT-DROP", "status": "open"}
    assert flag["evidence"] == "my foot keeps dragging" and flag["created_at"]

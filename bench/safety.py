"""Sensitivity and specificity of the red-flag safety net, by level, and the time a scan adds.

    .venv/bin/python bench/safety.py

Two labelled sets: tests/data/safety_messages.yml (the development set the rules were written
against) and bench/data/safety_heldout.yml (written blind, never used to change a rule).
Writes docs/benchmarks.md, section "safety".
"""
from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from assistant.safety.scanner import scanner_for  # noqa: E402
from bench.report import write_section  # noqa: E402

SETS = {"development (tests/data/safety_messages.yml)": ROOT / "tests" / "data" / "safety_messages.yml",
        "blind (bench/data/safety_heldout.yml)": ROOT / "bench" / "data" / "safety_heldout.yml"}
LEVELS = ("emergency", "urgent", "review")


def level_of(scanner, text):
    flag = scanner.scan(text).top
    return flag.level if flag else "none"


def main() -> int:
    scanner = scanner_for()
    lines = ["## Red-flag safety net (`bench/safety.py`)", "",
             "Sensitivity: share of messages labelled with a level that the net flags at that level or a more "
             "serious one. Specificity: share of messages labelled *none* that raise no flag.", "",
             "| set | messages | emergency sens. | urgent sens. | review sens. | specificity |",
             "| --- | --- | --- | --- | --- | --- |"]
    misses = []
    for name, path in SETS.items():
        records = yaml.safe_load(path.read_text())
        predicted = [level_of(scanner, r["text"]) for r in records]
        rank = {"emergency": 0, "urgent": 1, "review": 2, "none": 3}
        cells = []
        for level in LEVELS:
            subset = [(r, p) for r, p in zip(records, predicted) if r["level"] == level]
            caught = sum(1 for _, p in subset if rank[p] <= rank[level])
            cells.append(f"{caught / len(subset):.3f} ({caught}/{len(subset)})")
        negatives = [(r, p) for r, p in zip(records, predicted) if r["level"] == "none"]
        clean = sum(1 for _, p in negatives if p == "none")
        lines.append(f"| {name} | {len(records)} | " + " | ".join(cells) +
                     f" | {clean / len(negatives):.3f} ({clean}/{len(negatives)}) |")
        misses += [(name.split()[0], r["level"], r["category"], p, r["text"]) for r, p in zip(records, predicted)
                   if r["level"] != p]
        confusion = Counter((r["level"], p) for r, p in zip(records, predicted))
        lines += ["", f"Confusion, {name.split()[0]} set (rows: label, columns: result):", "",
                  "| | emergency | urgent | review | none |", "| --- | --- | --- | --- | --- |"]
        for label in LEVELS + ("none",):
            lines.append(f"| {label} | " + " | ".join(str(confusion[(label, p)]) for p in LEVELS + ("none",)) + " |")
        lines.append("")
    texts = [r["text"] for path in SETS.values() for r in yaml.safe_load(path.read_text())]
    for text in texts[:50]:
        scanner.scan(text)  # warm up
    durations = []
    for _ in range(5):
        for text in texts:
            started = time.perf_counter()
            scanner.scan(text)
            durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    lines += [f"Scan time per message ({len(durations)} scans): median {statistics.median(durations):.2f} ms, "
              f"p95 {durations[int(len(durations) * 0.95)]:.2f} ms, max {durations[-1]:.2f} ms "
              "(target: median under 5 ms).", "",
              f"{len(misses)} disagreements in all; the script prints them (not kept here, so that nobody "
              "writing rules tunes them to the blind set)."]
    write_section("safety", "\n".join(lines))
    print("\n".join(lines))
    for name, label, category, got, text in misses:
        print(f"  [{name}] {label}/{category} -> {got}: {text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

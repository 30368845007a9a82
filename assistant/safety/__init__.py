"""The red-flag safety net: deterministic rules from a reviewed data file, run on every message."""

"""Staff accounts, their passwords and the audit log."""

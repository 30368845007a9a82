"""Webhook alerts for emergency and urgent flags: queued with the flag, sent by a separate process."""

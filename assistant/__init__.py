"""Refractory radiculopathy assistant: knowledge store, services and operator CLI."""

__version__ = "0.1.0"

"""Rasa custom actions: thin adapters from the tracker to ``assistant`` services."""

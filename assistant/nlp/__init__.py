"""The project's own spaCy pipeline, built from the knowledge store's vocabulary."""

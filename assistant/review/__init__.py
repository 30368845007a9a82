"""The nurse review queue: ranking and grouping flags, response targets, acknowledging and resolving."""

"""A Rasa server's long-lived objects kept out of Python's full garbage collections.

A loaded model is about 650,000 Python objects (spaCy's vocabulary, the rule and memoization
tables, the domain, TensorFlow's wrappers) that live as long as the server. CPython's full
collection walks every one of them, with the server stopped: 270-600 ms each time, the slowest
reply of a ``bench/load.py`` level. ``gc.freeze()`` once the model has loaded moves them to the
permanent generation, which collections skip; what is allocated afterwards (conversations,
messages) is collected as before.
"""
from __future__ import annotations

import gc


def freeze_loaded_objects() -> int:
    """Collect what is garbage now, then leave everything still alive out of later collections;
    returns how many objects were frozen. Once per process: a second call (the server's other chat
    channel) finds them frozen, does nothing and returns 0."""
    if gc.get_freeze_count():
        return 0
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


__all__ = ["freeze_loaded_objects"]

"""The context word lists are a reviewed, versioned data file; a malformed one is refused."""
from __future__ import annotations

import pytest
import yaml

from assistant.safety import context
from assistant.safety.context import CONTEXT_PATH, ContextFileError, load_context_words


def test_the_shipped_file_loads_and_feeds_the_assessment():
    words = load_context_words()
    assert isinstance(words["version"], int) and words["version"] == context.CONTEXT_VERSION
    assert "no" in words["negations"] and ("no", "worse") in words["pseudo_negation_pairs"]
    assert "mum" in words["other_people"] and "i" in words["self"]
    assert context.NEGATIONS == words["negations"] and context.NEGATION_WINDOW == words["negation_window"]


def _write(tmp_path, change):
    data = yaml.safe_load(CONTEXT_PATH.read_text())
    change(data)
    path = tmp_path / "context.yml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("version"), "integer 'version'"),
    (lambda d: d["lists"].pop("negations"), "lists missing ['negations']"),
    (lambda d: d["lists"].update(surprise=["x"]), "unknown ['surprise']"),
    (lambda d: d["lists"].update(negations=["No"]), "'negations' must be a list of lower-case single words"),
    (lambda d: d["lists"].update(resolved_pairs=["settled"]), "'resolved_pairs' must be a list of lower-case two-word"),
    (lambda d: d["lists"].update(self="i"), "'self' must be a list"),
    (lambda d: d.update(negation_window=0), "negation_window"),
    (lambda d: d.update(past_only="used"), "past_only"),
])
def test_malformed_files_are_refused(tmp_path, change, message):
    with pytest.raises(ContextFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_context_words(_write(tmp_path, change))


def test_unreadable_yaml_is_refused(tmp_path):
    path = tmp_path / "context.yml"
    path.write_text("lists: [unclosed")
    with pytest.raises(ContextFileError, match="cannot be read"):
        load_context_words(path)

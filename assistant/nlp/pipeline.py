"""Build, package and install the spaCy pipeline Rasa loads by name (``en_radiculopathy_kb``).

No pretrained English model can be downloaded here, so the pipeline is a blank English
tokenizer plus an entity ruler whose patterns are the knowledge store's topic vocabulary:
every title, slug and synonym becomes a ``topic`` entity whose id is the topic's slug.
Rasa does not store the spaCy pipeline inside its model, and a path breaks from another
working directory, so the pipeline is packaged and pip-installed into the venv.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List, Tuple

import spacy

from assistant.config import PROJECT_ROOT
from assistant.nlp import fuzzy_topics  # noqa: F401  (registers the "fuzzy_topic_matcher" factory)

PIPELINE_NAME = "radiculopathy_kb"
PACKAGE_NAME = f"en_{PIPELINE_NAME}"
PIPELINE_VERSION = "1.0.0"
ENTITY_LABEL = "topic"
BUILDER_VERSION = "4"  # bump when the pipeline's components change, so installs rebuild
BUILD_DIR = PROJECT_ROOT / "build" / "spacy"


def build_nlp(vocabulary: Iterable[Tuple[str, str]]) -> "spacy.language.Language":
    """A blank English pipeline with an entity ruler for (phrase, slug) pairs."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    vocabulary = list(vocabulary)
    ruler.add_patterns([
        {"label": ENTITY_LABEL, "pattern": phrase, "id": slug} for phrase, slug in vocabulary
    ])
    nlp.add_pipe("fuzzy_topic_matcher", config={"label": ENTITY_LABEL}).add_vocabulary(vocabulary)
    nlp.meta.update({
        "name": PIPELINE_NAME,
        "version": PIPELINE_VERSION,
        "description": "Tokenizer and topic entity ruler built from the knowledge store vocabulary.",
        "spacy_version": f">={spacy.__version__},<3.5.0",
        "license": "proprietary",
    })
    return nlp


def vocabulary_digest(vocabulary: Iterable[Tuple[str, str]]) -> str:
    payload = json.dumps([BUILDER_VERSION, sorted(vocabulary)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def installed_digest() -> str:
    """The vocabulary digest of the installed package, or '' if none is installed."""
    try:
        nlp = spacy.load(PACKAGE_NAME)
    except OSError:
        return ""
    return nlp.meta.get("vocabulary_digest", "")


def build_and_install(vocabulary: List[Tuple[str, str]], *, force: bool = False) -> bool:
    """Build the pipeline and pip-install it; returns False when the installed one is current."""
    digest = vocabulary_digest(vocabulary)
    if not force and installed_digest() == digest:
        return False
    nlp = build_nlp(vocabulary)
    nlp.meta["vocabulary_digest"] = digest
    model_dir = BUILD_DIR / "model"
    dist_dir = BUILD_DIR / "dist"
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(model_dir)
    dist_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "spacy", "package", str(model_dir), str(dist_dir),
         "--name", PIPELINE_NAME, "--version", PIPELINE_VERSION, "--force",
         "--code", str(Path(fuzzy_topics.__file__))],
        check=True, stdout=subprocess.DEVNULL,
    )
    sdist = dist_dir / f"{PACKAGE_NAME}-{PIPELINE_VERSION}" / "dist" / f"{PACKAGE_NAME}-{PIPELINE_VERSION}.tar.gz"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", str(sdist)],
        check=True,
    )
    return True

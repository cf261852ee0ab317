"""Build the extraction pipeline from config.cfg and run it over documents.

>>> china = {"label": "LOCATION", "pattern": [{"LOWER": "china"}], "id": "https://w3id.org/critmin/id/country/CHN"}
>>> nlp = build_pipeline(patterns=[china, {"label": "MINERAL", "pattern": [{"LOWER": "gallium"}],
...                                 "id": "https://w3id.org/critmin/id/commodity/gallium", "name": "Gallium"}])
>>> result = extract_document(nlp, "d1", "China banned exports of gallium from August 2023.")
>>> [r["type"] for r in result["relations"]]
['EXPORT_RESTRICTION']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from extractors.nlp import (  # noqa: F401  (registers the components)
    components,
    entity_patterns,
    evidence,
    external,
    relation_classifier,
    structure,
)
from extractors.nlp.patterns import cached_graph_patterns, graph_patterns, read_jsonl, static_patterns

CONFIG = Path(__file__).with_name("config.cfg")


def build_pipeline(*, patterns: Iterable[dict] = (), config_path: Path = CONFIG, ner_pipeline: str = "",
                   relation_model: bool = True) -> Language:
    """Blank English + our components; ``patterns`` (with an optional ``name``: the canonical label of ``id``)
    come before the hand-written ones, so graph labels win over shapes of the same length. ``ner_pipeline`` names an
    installed spaCy pipeline whose recogniser adds candidates after our patterns (``extractors.nlp.external``).
    ``relation_model=False`` leaves the trained relation model out (to train it, or to see what the rules alone
    find)."""
    config = spacy.util.load_config(config_path)
    exclude = [] if relation_model else ["cm_relation_classifier"]
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, exclude=exclude)
    # "U.S.-Japan": a hyphen after an abbreviation's full stop joins two names, as it does between two words
    infixes = [*nlp.Defaults.infixes, r"(?<=\.)-(?=[A-Z])"]
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    names: dict[str, str] = {}
    cleaned = []
    for pattern in [*patterns, *static_patterns()]:
        pattern = dict(pattern)
        name = pattern.get("name")
        if name and pattern.get("id"):
            names.setdefault(pattern["id"], name)
        cleaned.append(pattern)
    nlp.get_pipe("cm_entities").add_patterns(cleaned)
    if ner_pipeline:
        nlp.add_pipe("cm_external_ner", after="cm_entities", config={"pipeline": ner_pipeline})
    mentions = nlp.get_pipe("cm_mentions")
    mentions.set_names(names)
    mentions.set_links(cleaned)
    return nlp


def load_pipeline(store_path: Path | None, *, ner_pipeline: str = "", relation_model: bool = True) -> Language:
    """The pipeline with the graph patterns of the store at ``store_path`` (cached per store state)."""
    patterns: list[dict] = []
    if store_path is not None and (store_path / "CURRENT").exists():
        patterns = read_jsonl(cached_graph_patterns(store_path))
    return build_pipeline(patterns=patterns, ner_pipeline=ner_pipeline, relation_model=relation_model)


def load_pipeline_over(store: object, *, ner_pipeline: str = "", relation_model: bool = True) -> Language:
    """The pipeline with the graph patterns read from ``store`` itself: a remote store has no folder whose state
    could key a cache (``load_pipeline``), so its labels are read afresh (a second or so on the bundled data)."""
    return build_pipeline(patterns=graph_patterns(store), ner_pipeline=ner_pipeline, relation_model=relation_model)


def extract_document(nlp: Language, doc_id: str, text: str, *, doc: Doc | None = None) -> dict:
    """One document's entities (by type and canonical name, with mention counts) and relations, as in
    ``critmin extract --json``."""
    doc = doc if doc is not None else nlp(text)
    entities: dict[tuple[str, str], dict] = {}
    for mention in doc._.mentions:
        entry = entities.setdefault((mention.type, mention.name), {
            "type": mention.type, "name": mention.name, "mentions": 0})
        entry["mentions"] += 1
        if mention.iri:
            entry["iri"] = mention.iri
    facts = []
    for fact in doc._.facts:
        facts.append(fact.as_json())
    return {"doc_id": doc_id, "entities": list(entities.values()), "relations": facts}

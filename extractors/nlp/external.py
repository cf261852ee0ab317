"""An installed spaCy pipeline's entity recogniser, added to ours: ``cm_external_ner``.

Official pretrained pipelines cannot be downloaded here, but a user may have one installed (``en_core_web_sm``, a
pipeline of their own, a folder). Naming it in the ``nlp_ner_pipeline`` setting runs its recogniser on the same text
after our graph patterns: its ORG, GPE/LOC and FAC entities come in as ORGANIZATION, LOCATION and FACILITY
candidates wherever our patterns found nothing, so a link to the graph always wins over a statistical guess. Other
labels (PERSON, DATE, MONEY ...) are ignored: quantities and dates are ours.
"""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

LABELS = {"ORG": "ORGANIZATION", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "FACILITY", "NORP": None}
_NEEDED = {"tok2vec", "transformer", "ner"}


class ExternalPipelineError(ValueError):
    """The named pipeline cannot be loaded or has no entity recogniser."""


def load_recogniser(name: str) -> Language:
    try:
        external = spacy.load(name)
    except (OSError, ValueError, ImportError) as e:
        raise ExternalPipelineError(f"the spaCy pipeline {name!r} (setting nlp_ner_pipeline) cannot be loaded: {e}. "
                                    "Install it with pip, or leave the setting empty.") from e
    if "ner" not in external.pipe_names:
        raise ExternalPipelineError(f"the spaCy pipeline {name!r} (setting nlp_ner_pipeline) has no 'ner' component; "
                                    f"it has: {', '.join(external.pipe_names) or 'none'}")
    external.select_pipes(enable=[p for p in external.pipe_names if p in _NEEDED])  # the others stay off
    return external


@Language.factory("cm_external_ner", default_config={"pipeline": ""}, requires=["doc.ents"],
                  assigns=["doc.ents"])
def make_external_ner(nlp: Language, name: str, pipeline: str) -> ExternalRecogniser:
    return ExternalRecogniser(load_recogniser(pipeline), pipeline)


class ExternalRecogniser:
    def __init__(self, external: Language, source: str) -> None:
        self.external = external
        self.source = source

    def __call__(self, doc: Doc) -> Doc:
        found = self.external(doc.text)
        ents = list(doc.ents)
        taken = {i for e in ents for i in range(e.start, e.end)}
        for ent in found.ents:
            label = LABELS.get(ent.label_)
            span = doc.char_span(ent.start_char, ent.end_char, alignment_mode="contract") if label else None
            if span is not None and len(span) and taken.isdisjoint(range(span.start, span.end)):
                ents.append(Span(doc, span.start, span.end, label=label, span_id="candidate"))
                taken.update(range(span.start, span.end))
        doc.ents = filter_spans(ents)
        return doc

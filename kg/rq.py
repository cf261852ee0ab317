"""SPARQL text kept in ``.rq`` files beside the module that runs it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load_query(module_file: str, name: str, *, suffix: str = ".rq") -> str:
    """The text of ``<name>.rq`` (or ``.ru`` for an update) in the folder of ``module_file`` (pass ``__file__``)."""
    return _read(Path(module_file).resolve().parent / f"{name}{suffix}")


def fill_update(template: str, **values: NamedNode | str) -> str:
    """Put IRIs we minted or checked ourselves (and plain strings, as literals) into the ``$name`` placeholders of an
    update template. pyoxigraph's ``update()`` takes no substitutions; never pass text from a request here."""
    text = template
    for name, value in sorted(values.items(), key=lambda item: -len(item[0])):  # $graph must not eat $graph_x
        text = text.replace("$" + name, str(value) if isinstance(value, NamedNode) else str(Literal(value)))
    return text

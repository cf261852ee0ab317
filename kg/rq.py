"""SPARQL text kept in ``.rq`` files beside the module that runs it."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load_query(module_file: str, name: str, *, suffix: str = ".rq") -> str:
    """The text of ``<name>.rq`` (or ``.ru`` for an update) in the folder of ``module_file`` (pass ``__file__``)."""
    return _read(Path(module_file).resolve().parent / f"{name}{suffix}")

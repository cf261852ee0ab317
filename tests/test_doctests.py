"""The examples in our docstrings run, so that none of them drifts from what the code does."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kg", "api", "extractors")


def modules_with_examples() -> list[str]:
    return sorted(".".join(path.relative_to(ROOT).with_suffix("").parts)
                  for package in PACKAGES for path in (ROOT / package).rglob("*.py")
                  if ">>> " in path.read_text(encoding="utf-8"))


def test_there_are_examples_to_run() -> None:
    assert len(modules_with_examples()) >= 40


@pytest.mark.parametrize("name", modules_with_examples())
def test_the_examples_run(name: str) -> None:
    results = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert results.failed == 0, f"{results.failed} of the {results.attempted} examples in {name} failed (above)"

"""Promises the docs make: every setting documented, every SPARQL file parses, the quick start is two commands."""

import re
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store

from kg.iris import PREFIXES
from kg.rq import fill_update
from kg.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(name: str) -> None:
    assert re.search(rf"^\| `{name}` \|", README, re.MULTILINE), f"setting {name} is missing from the README table"


def test_every_setting_has_help_text() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_the_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick_start.strip().splitlines()]
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("path", sorted(ROOT.glob("kg/**/*.rq")), ids=lambda p: p.name)
def test_every_query_file_parses(path: Path) -> None:
    Store().query(path.read_text(encoding="utf-8"), prefixes=PREFIXES)


@pytest.mark.parametrize("path", sorted(ROOT.glob("kg/**/*.ru")), ids=lambda p: p.name)
def test_every_update_file_parses_once_filled(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    names = set(re.findall(r"\$(\w+)", text))
    Store().update(fill_update(text, **{name: NamedNode(f"http://example.org/{name}") for name in names}))

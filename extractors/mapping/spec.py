"""Reading and checking a mapping file (TOML): everything is validated before any data is read.

A problem in the mapping file itself is a :class:`MappingError` that lists every problem found, each with the key path
it is about (``subjects[0].properties[2].datatype``; arrays counted from 0) and what is wrong. See docs/mapping.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph
from pyoxigraph import NamedNode

from extractors.feeds.base import FeedError
from kg import iris

DATATYPES = ("xsd:string", "xsd:integer", "xsd:decimal", "xsd:date", "xsd:gYear", "xsd:boolean")
TRANSFORMS = ("trim", "upper", "lower", "slug", "country", "commodity")
RESOLVERS = ("country", "place", "commodity")
FORMATS = ("csv", "xlsx")
# Kinds of entity that reference feeds own: a mapping links to them (``resolve``), it never mints them.
RESERVED_KINDS = frozenset({
    "country", "commodity", "place", "record", "scheme", "list", "membership", "stage", "facility-type",
    "value-status", "list-kind", "quantity-kind", "catalog",
})

TOP_KEYS = {"name", "description", "source", "catalog", "prefixes", "subjects"}
SOURCE_KEYS = {"file", "data_file", "format", "sheet", "header_row"}
CATALOG_KEYS = {"title", "description", "source_url", "license", "rights", "citation", "version"}
SUBJECT_KEYS = {"id", "kind", "key", "classes", "when", "shared", "properties"}
PROPERTY_KEYS = {"predicate", "column", "template", "value", "iri", "subject", "datatype", "language", "resolve",
                 "split", "transform", "when", "required"}
VALUE_KEYS = ("column", "template", "value", "iri", "subject")
WHEN_KEYS = {"column", "equals", "not_equals", "in"}

NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SUBJECT_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
PREFIX_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class MappingError(FeedError):
    """The mapping file is wrong: ``problems`` holds (key path, what is wrong) pairs, all of them."""

    def __init__(self, file: str, problems: list[tuple[str, str]]) -> None:
        self.file = file
        self.problems = problems
        lines = [f"{path}: {message}" if path else message for path, message in problems]
        super().__init__(f"mapping {file}: {len(problems)} problem(s):\n  " + "\n  ".join(lines))


# ---------------------------------------------------------------------------------------------------------------
# The checked mapping


@dataclass(frozen=True)
class Placeholder:
    column: str
    transforms: tuple[str, ...]


@dataclass(frozen=True)
class Template:
    """``"{Country|slug}/x"``: literal text and placeholders, in order."""

    text: str
    parts: tuple[str | Placeholder, ...]

    @property
    def columns(self) -> list[str]:
        return [p.column for p in self.parts if isinstance(p, Placeholder)]


@dataclass(frozen=True)
class Condition:
    path: str
    column: str
    equals: str | None = None
    not_equals: str | None = None
    one_of: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PropertyMap:
    path: str
    predicate: NamedNode
    source: str  # one of VALUE_KEYS
    column: str | None = None
    template: Template | None = None
    value: str | None = None
    iri: NamedNode | None = None
    subject: str | None = None
    datatype: str | None = None  # "xsd:integer" etc.; None -> plain string (or language-tagged)
    language: str | None = None
    resolve: str | None = None
    split: str | None = None
    transforms: tuple[str, ...] = ()
    when: Condition | None = None
    required: bool = False


@dataclass(frozen=True)
class SubjectMap:
    path: str
    id: str
    kind: str
    key: Template
    classes: tuple[NamedNode, ...]
    properties: tuple[PropertyMap, ...]
    when: Condition | None = None
    shared: bool = False


@dataclass(frozen=True)
class Catalog:
    title: str
    description: str
    source_url: str
    citation: str
    license: str | None
    rights: str | None
    version: str


@dataclass(frozen=True)
class Source:
    file: Path
    format: str | None
    sheet: str | None
    header_row: int


@dataclass(frozen=True)
class Mapping:
    file: Path
    name: str
    description: str
    source: Source
    catalog: Catalog
    subjects: tuple[SubjectMap, ...]
    prefixes: dict[str, str] = field(default_factory=dict)

    def columns(self) -> dict[str, list[str]]:
        """Every column the mapping reads -> the key paths that read it (checked against the header)."""
        used: dict[str, list[str]] = {}

        def add(column: str, path: str) -> None:
            used.setdefault(column, []).append(path)

        def add_when(when: Condition | None) -> None:
            if when:
                add(when.column, when.path + ".column")

        for subject in self.subjects:
            for column in subject.key.columns:
                add(column, subject.path + ".key")
            add_when(subject.when)
            for prop in subject.properties:
                if prop.column is not None:
                    add(prop.column, prop.path + ".column")
                if prop.template is not None:
                    for column in prop.template.columns:
                        add(column, prop.path + ".template")
                add_when(prop.when)
        return used


# ---------------------------------------------------------------------------------------------------------------
# Parsing


@lru_cache(maxsize=1)
def ontology_terms() -> frozenset[str]:
    """The ``cm:`` terms that ``ontology/*.ttl`` defines (subjects of triples), so a misspelt term is caught."""
    from kg.settings import ontology_dir

    terms: set[str] = set()
    for path in sorted(ontology_dir().glob("*.ttl")):
        if path.name == "shapes.ttl":
            continue
        with path.open("rb") as handle:
            for quad in pyoxigraph.parse(handle, format=pyoxigraph.RdfFormat.TURTLE, base_iri=path.as_uri()):
                if isinstance(quad.subject, NamedNode) and quad.subject.value.startswith(iris.ONTOLOGY):
                    terms.add(quad.subject.value)
    return frozenset(terms)


class _Checker:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[tuple[str, str]] = []
        self.prefixes = dict(iris.PREFIXES)

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    # --- primitive checks --------------------------------------------------------------------------------------

    def table(self, data: Any, path: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict | None:
        if not isinstance(data, dict):
            self.fail(path, f"must be a table, not {_kind(data)}")
            return None
        for key in data:
            if key not in allowed:
                hint = _closest(key, allowed)
                self.fail(_join(path, key), "unknown key" + (f" (did you mean {hint!r}?)" if hint else "")
                          + f"; allowed here: {', '.join(sorted(allowed))}")
        for key in required:
            if key not in data:
                self.fail(_join(path, key), "is required")
        return data

    def text(self, data: dict, key: str, path: str, *, required: bool = False) -> str | None:
        if key not in data:
            if required:
                self.fail(_join(path, key), "is required")
            return None
        value = data[key]
        if not isinstance(value, str):
            self.fail(_join(path, key), f"must be a string, not {_kind(value)}")
            return None
        if required and not value.strip():
            self.fail(_join(path, key), "must not be empty")
            return None
        return value

    def term(self, text: str, path: str, *, check_ontology: bool = True) -> NamedNode | None:
        """A CURIE (``cm:ImportSource``) or a full IRI in angle brackets (``<https://…>``)."""
        if text.startswith("<") and text.endswith(">"):
            value = text[1:-1]
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", value):
                self.fail(path, f"{text!r} is not an IRI")
                return None
            return NamedNode(value)
        prefix, colon, local = text.partition(":")
        if not colon:
            self.fail(path, f"{text!r} is neither a prefixed name (cm:Term) nor an IRI in angle brackets")
            return None
        if prefix not in self.prefixes:
            self.fail(path, f"unknown prefix {prefix!r} in {text!r}; known: {', '.join(sorted(self.prefixes))} "
                            "(add one under [prefixes])")
            return None
        if not local or not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$", local):
            self.fail(path, f"{text!r} has no valid local name")
            return None
        node = NamedNode(self.prefixes[prefix] + local)
        if check_ontology and node.value.startswith(iris.ONTOLOGY) and node.value not in ontology_terms():
            self.fail(path, f"{text} is not defined in ontology/ (core.ttl); check the spelling or add the term")
            return None
        return node

    def template(self, text: str, path: str, *, needs_column: bool) -> Template | None:
        parts: list[str | Placeholder] = []
        position = 0
        ok = True
        for match in PLACEHOLDER.finditer(text):
            if match.start() > position:
                parts.append(text[position:match.start()])
            position = match.end()
            column, *transforms = [piece.strip() for piece in match.group(1).split("|")]
            if not column:
                self.fail(path, f"placeholder {match.group(0)!r} names no column")
                ok = False
                continue
            for transform in transforms:
                if transform not in TRANSFORMS:
                    self.fail(path, f"unknown transform {transform!r} in {match.group(0)!r}; known: "
                                    f"{', '.join(TRANSFORMS)}")
                    ok = False
            parts.append(Placeholder(column, tuple(transforms)))
        rest = text[position:]
        if "{" in rest or "}" in rest or any(isinstance(p, str) and ("{" in p or "}" in p) for p in parts):
            self.fail(path, f"unbalanced braces in template {text!r}")
            ok = False
        if rest:
            parts.append(rest)
        template = Template(text, tuple(parts))
        if needs_column and not template.columns:
            self.fail(path, f"template {text!r} uses no column: every row would give the same IRI")
            ok = False
        return template if ok else None

    def condition(self, data: Any, path: str) -> Condition | None:
        table = self.table(data, path, WHEN_KEYS, ("column",))
        if table is None:
            return None
        column = self.text(table, "column", path, required=True)
        tests = [key for key in ("equals", "not_equals", "in") if key in table]
        if len(tests) != 1:
            self.fail(path, "needs exactly one of 'equals', 'not_equals', 'in'")
            return None
        test = tests[0]
        if test == "in":
            values = table["in"]
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                self.fail(_join(path, "in"), "must be a non-empty array of strings")
                return None
            return Condition(path, column or "", one_of=tuple(v.strip() for v in values)) if column else None
        value = self.text(table, test, path)
        if value is None or column is None:
            return None
        return Condition(path, column, **{test: value.strip()})

    # --- sections -----------------------------------------------------------------------------------------------

    def source(self, data: Any) -> Source | None:
        table = self.table(data, "source", SOURCE_KEYS)
        if table is None:
            return None
        given = [key for key in ("file", "data_file") if key in table]
        if len(given) != 1:
            self.fail("source", "needs exactly one of 'file' (relative to the mapping file) or 'data_file' "
                                "(relative to the data folder)")
            return None
        key = given[0]
        relative = self.text(table, key, "source", required=True)
        if relative is None:
            return None
        if Path(relative).is_absolute():
            self.fail(f"source.{key}", "must be a relative path")
            return None
        if key == "file":
            file = (self.file.parent / relative).resolve()
        else:
            from extractors.feeds.base import default_data_file

            file = default_data_file(relative)
        fmt = self.text(table, "format", "source")
        if fmt is not None and fmt not in FORMATS:
            self.fail("source.format", f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
        if fmt is None:
            suffix = Path(relative).suffix.lower().lstrip(".")
            if suffix not in FORMATS:
                self.fail(f"source.{key}", f"cannot tell the format from {relative!r}: set source.format "
                                           f"({', '.join(FORMATS)})")
        sheet = self.text(table, "sheet", "source")
        effective = fmt or Path(relative).suffix.lower().lstrip(".")
        if sheet is not None and effective != "xlsx":
            self.fail("source.sheet", "only an xlsx source has sheets")
        header_row = table.get("header_row", 1)
        if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
            self.fail("source.header_row", f"must be a whole number of at least 1, not {header_row!r}")
            header_row = 1
        return Source(file, fmt, sheet, header_row)

    def catalog(self, data: Any) -> Catalog | None:
        table = self.table(data, "catalog", CATALOG_KEYS, ("title", "description", "source_url", "citation"))
        if table is None:
            return None
        values = {key: self.text(table, key, "catalog", required=key in ("title", "description", "source_url",
                                                                           "citation"))
                  for key in CATALOG_KEYS}
        license_, rights = values["license"], values["rights"]
        if (license_ is None) == (rights is None):
            self.fail("catalog", "needs exactly one of 'license' (an IRI) or 'rights' (a statement, where no licence "
                                 "applies)")
        if license_ is not None and not re.match(r"^https?://\S+$", license_):
            self.fail("catalog.license", f"must be an http(s) IRI, not {license_!r}")
        source_url = values["source_url"]
        if source_url is not None and not re.match(r"^https?://\S+$", source_url):
            self.fail("catalog.source_url", f"must be an http(s) URL, not {source_url!r}")
        if any(values[key] is None for key in ("title", "description", "source_url", "citation")):
            return None
        return Catalog(values["title"] or "", values["description"] or "", source_url or "", values["citation"] or "",
                       license_, rights, values["version"] or "")

    def prefixes_table(self, data: Any) -> None:
        table = self.table(data, "prefixes", set(data) if isinstance(data, dict) else set())
        if table is None:
            return
        for prefix, value in table.items():
            path = f"prefixes.{prefix}"
            if not PREFIX_NAME.match(prefix):
                self.fail(path, "is not a valid prefix name")
            elif prefix in iris.PREFIXES:
                self.fail(path, f"{prefix!r} is a built-in prefix and cannot be redefined")
            elif not isinstance(value, str) or not re.match(r"^https?://\S+[/#]$", value):
                self.fail(path, "must be an http(s) IRI ending in '/' or '#'")
            else:
                self.prefixes[prefix] = value

    def subject(self, data: Any, path: str) -> SubjectMap | None:
        table = self.table(data, path, SUBJECT_KEYS, ("id", "kind", "key"))
        if table is None:
            return None
        subject_id = self.text(table, "id", path, required=True)
        if subject_id is not None and not SUBJECT_ID.match(subject_id):
            self.fail(_join(path, "id"), f"{subject_id!r} must be a name of letters, digits and '_'")
        kind = self.text(table, "kind", path, required=True)
        if kind is not None:
            if not NAME.match(kind):
                self.fail(_join(path, "kind"), f"{kind!r} must be lowercase letters, digits and '-' "
                                               "(it becomes https://w3id.org/critmin/id/{kind}/)")
            elif kind in RESERVED_KINDS:
                self.fail(_join(path, "kind"), f"{kind!r} entities are minted by a reference feed; link to them "
                                               "with a property's 'resolve' instead")
        key_text = self.text(table, "key", path, required=True)
        key = self.template(key_text, _join(path, "key"), needs_column=True) if key_text is not None else None
        classes: list[NamedNode] = []
        raw_classes = table.get("classes", [])
        if not isinstance(raw_classes, list) or not all(isinstance(c, str) for c in raw_classes):
            self.fail(_join(path, "classes"), "must be an array of class names (cm:Facility)")
        else:
            for i, name in enumerate(raw_classes):
                node = self.term(name, f"{path}.classes[{i}]")
                if node is not None:
                    classes.append(node)
        when = self.condition(table["when"], _join(path, "when")) if "when" in table else None
        shared = table.get("shared", False)
        if not isinstance(shared, bool):
            self.fail(_join(path, "shared"), "must be true or false")
            shared = False
        properties: list[PropertyMap] = []
        raw_properties = table.get("properties", [])
        if not isinstance(raw_properties, list):
            self.fail(_join(path, "properties"), "must be an array of tables ([[subjects.properties]])")
            raw_properties = []
        for i, item in enumerate(raw_properties):
            prop = self.property(item, f"{path}.properties[{i}]")
            if prop is not None:
                properties.append(prop)
        if subject_id is None or kind is None or key is None:
            return None
        return SubjectMap(path, subject_id, kind, key, tuple(classes), tuple(properties), when, shared)

    def property(self, data: Any, path: str) -> PropertyMap | None:
        table = self.table(data, path, PROPERTY_KEYS, ("predicate",))
        if table is None:
            return None
        ok = True
        predicate_text = self.text(table, "predicate", path, required=True)
        predicate = self.term(predicate_text, _join(path, "predicate")) if predicate_text is not None else None
        sources = [key for key in VALUE_KEYS if key in table]
        if len(sources) != 1:
            self.fail(path, f"needs exactly one of {', '.join(repr(k) for k in VALUE_KEYS)}"
                            + (f", not {', '.join(sources)}" if sources else ""))
            return None
        source = sources[0]
        spec: dict[str, Any] = {}
        text = self.text(table, source, path, required=True)
        if text is None:
            return None
        if source == "column":
            spec["column"] = text
        elif source == "template":
            spec["template"] = self.template(text, _join(path, "template"), needs_column=True)
            ok = ok and spec["template"] is not None
        elif source == "value":
            spec["value"] = text
        elif source == "iri":
            spec["iri"] = self.term(text, _join(path, "iri"), check_ontology=False)
            ok = ok and spec["iri"] is not None
        else:
            spec["subject"] = text
        literal = source in ("column", "template", "value")
        datatype = self.text(table, "datatype", path)
        if datatype is not None:
            if datatype not in DATATYPES:
                self.fail(_join(path, "datatype"), f"unknown datatype {datatype!r}; known: {', '.join(DATATYPES)}")
                ok = False
            elif not literal:
                self.fail(_join(path, "datatype"), f"a datatype applies to literal values, not to {source!r}")
                ok = False
        language = self.text(table, "language", path)
        if language is not None:
            if not LANGUAGE.match(language):
                self.fail(_join(path, "language"), f"{language!r} is not a language tag (en, fr, pt-BR)")
                ok = False
            elif not literal or datatype not in (None, "xsd:string"):
                self.fail(_join(path, "language"), "a language tag applies only to text values (no datatype)")
                ok = False
        resolve = self.text(table, "resolve", path)
        if resolve is not None:
            if resolve not in RESOLVERS:
                self.fail(_join(path, "resolve"), f"unknown resolver {resolve!r}; known: {', '.join(RESOLVERS)}")
                ok = False
            elif source != "column":
                self.fail(_join(path, "resolve"), "'resolve' needs a 'column'")
                ok = False
            elif datatype is not None or language is not None:
                self.fail(_join(path, "resolve"), "a resolved value is an IRI: drop 'datatype' and 'language'")
                ok = False
        split = self.text(table, "split", path)
        if split is not None and (split == "" or source != "column"):
            self.fail(_join(path, "split"), "must be a non-empty separator, used with a 'column'")
            ok = False
        transforms: list[str] = []
        if "transform" in table:
            raw = table["transform"]
            raw = [raw] if isinstance(raw, str) else raw
            if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
                self.fail(_join(path, "transform"), "must be a transform name or an array of them")
                ok = False
            elif source != "column":
                self.fail(_join(path, "transform"), "applies to a 'column' (a template has its own: {Col|slug})")
                ok = False
            else:
                for name in raw:
                    if name not in TRANSFORMS:
                        self.fail(_join(path, "transform"), f"unknown transform {name!r}; known: "
                                                            f"{', '.join(TRANSFORMS)}")
                        ok = False
                    transforms.append(name)
        when = None
        if "when" in table:
            when = self.condition(table["when"], _join(path, "when"))
            ok = ok and when is not None
        required = table.get("required", False)
        if not isinstance(required, bool):
            self.fail(_join(path, "required"), "must be true or false")
            ok = False
        if source == "value" and datatype is not None and ok:
            from extractors.mapping.engine import literal_for

            _, problem = literal_for(text, datatype, language)
            if problem:
                self.fail(_join(path, "value"), problem)
                ok = False
        if predicate is None or not ok:
            return None
        return PropertyMap(path, predicate, source, datatype=datatype, language=language, resolve=resolve,
                           split=split, transforms=tuple(transforms), when=when, required=bool(required), **spec)


def load_mapping(path: Path | str) -> Mapping:
    """Read and check a mapping file; :class:`MappingError` lists every problem with its key path."""
    path = Path(path)
    label = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(label, [("", f"cannot read {path}: {exc.strerror or exc}")]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(label, [("", f"not valid TOML: {exc}")]) from exc
    return check_mapping(data, path)


def check_mapping(data: dict[str, Any], path: Path) -> Mapping:
    checker = _Checker(path.resolve())
    checker.table(data, "", TOP_KEYS, ("name", "source", "catalog", "subjects"))
    if isinstance(data.get("prefixes"), dict) or "prefixes" in data:
        checker.prefixes_table(data.get("prefixes"))
    name = checker.text(data, "name", "", required=True)
    if name is not None and not NAME.match(name):
        checker.fail("name", f"{name!r} must be lowercase letters, digits and '-' (it names the graph cmg:{{name}})")
    description = checker.text(data, "description", "") or ""
    source = checker.source(data["source"]) if "source" in data else None
    catalog = checker.catalog(data["catalog"]) if "catalog" in data else None
    subjects: list[SubjectMap] = []
    raw_subjects = data.get("subjects", [])
    if not isinstance(raw_subjects, list) or ("subjects" in data and not raw_subjects):
        checker.fail("subjects", "must be a non-empty array of tables ([[subjects]])")
        raw_subjects = []
    for i, item in enumerate(raw_subjects):
        subject = checker.subject(item, f"subjects[{i}]")
        if subject is not None:
            subjects.append(subject)
    ids = [s.id for s in subjects]
    for subject in subjects:
        if ids.count(subject.id) > 1:
            checker.fail(f"{subject.path}.id", f"{subject.id!r} is used by more than one subject")
        for prop in subject.properties:
            if prop.subject is not None and prop.subject not in ids:
                checker.fail(f"{prop.path}.subject", f"no subject has the id {prop.subject!r}; ids: "
                                                     f"{', '.join(ids)}")
    if checker.problems or name is None or source is None or catalog is None:
        if not checker.problems:
            checker.fail("", "incomplete mapping")
        raise MappingError(path.name, checker.problems)
    return Mapping(path.resolve(), name, description, source, catalog, tuple(subjects),
                   {k: v for k, v in checker.prefixes.items() if k not in iris.PREFIXES})


# ---------------------------------------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    return {dict: "a table", list: "an array", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)


def _closest(key: str, allowed: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    return found[0] if found else None


__all__ = ["DATATYPES", "Catalog", "Condition", "Mapping", "MappingError", "Placeholder", "PropertyMap",
           "Source", "SubjectMap", "Template", "check_mapping", "load_mapping"]

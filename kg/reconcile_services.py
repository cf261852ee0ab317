"""The reconciliation side services: suggest (entities, types, properties), preview data and data extension.

Protocol-neutral: each returns plain data that ``api/routers/reconcile.py`` shapes for 0.2 or the 1.0 draft.
Every read goes through a ``ReconcileSource``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kg import iris
from kg.reconcile_entities import Summary, Value, property_values, summarise
from kg.reconcile_queries import QueryError
from kg.reconcile_schema import (
    ID_SPACE,
    PROPERTIES,
    RECONCILED_KINDS,
    TYPES,
    RProperty,
    entity_id,
    entity_iri,
    find_property,
    find_type,
)
from kg.reconcile_source import ReconcileSource
from kg.search import normalise

XSD = iris.PREFIXES["xsd"]
_NUMBERS = {XSD + name for name in ("decimal", "double", "float", "integer", "int", "long", "nonNegativeInteger",
                                     "positiveInteger")}
_DATES = {XSD + name for name in ("date", "dateTime", "gYear", "gYearMonth")}


def suggest_entities(source: ReconcileSource, prefix: str, *, types: list[str] | None = None, cursor: int = 0,
                     limit: int = 10) -> list[dict[str, Any]]:
    """Entities whose label or alias starts with ``prefix``, as ``{id, name, description, notable}``."""
    kinds = sorted({t.kind for name in types or [] if (t := find_type(name))}) or list(RECONCILED_KINDS)
    hits = [hit for hit in source.search(prefix, kinds=kinds, limit=cursor + limit) if hit.iri.startswith(ID_SPACE)]
    out = []
    for hit in hits[cursor:]:
        summary = summarise(source, hit.iri)
        if summary is not None:
            out.append({"id": entity_id(hit.iri), "name": summary.name, "description": summary.description,
                        "notable": [t.as_json() for t in summary.types]})
    return out


def _prefix_match(prefix: str, *names: str) -> bool:
    wanted = normalise(prefix)
    return not wanted or any(word.startswith(wanted) or normalise(name).startswith(wanted)
                             for name in names for word in normalise(name).split())


def suggest_types(prefix: str, *, cursor: int = 0, limit: int = 10) -> list[dict[str, Any]]:
    found = [t for t in TYPES.values() if _prefix_match(prefix, t.id, t.name)]
    return [t.as_json() | {"description": _type_description(t.kind, t.class_iri)}
            for t in found[cursor:cursor + limit]]


def _type_description(kind: str, class_iri: str | None) -> str:
    return f"the class {class_iri}" if class_iri else f"every entity of the kind {kind!r}"


def suggest_properties(prefix: str, *, type_id: str | None = None, cursor: int = 0,
                       limit: int = 10) -> list[dict[str, Any]]:
    rtype = find_type(type_id) if type_id else None
    found = [p for p in PROPERTIES.values()
             if _prefix_match(prefix, p.id, p.name) and (rtype is None or rtype.kind in p.kinds)]
    return [p.as_json() | {"description": f"of {', '.join(p.kinds)}"} for p in found[cursor:cursor + limit]]


def propose_properties(type_id: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """The properties worth fetching for entities of a type (data extension)."""
    rtype = find_type(type_id)
    if rtype is None:
        raise QueryError(f"type: unknown type {type_id!r} (see /reconcile/suggest/type)")
    return [p.as_json() for p in PROPERTIES.values() if rtype.kind in p.kinds][:limit]


@dataclass(frozen=True)
class Preview:
    summary: Summary
    facts: list[tuple[str, str]]  # (property name, values) for the card


def preview(source: ReconcileSource, identifier: str) -> Preview | None:
    """What the preview card shows: the summary, the aliases, and a few properties of the entity's kind."""
    iri = entity_iri(identifier)
    summary = summarise(source, iri)
    if summary is None:
        return None
    facts = []
    for prop in PROPERTIES.values():
        if summary.kind not in prop.kinds or prop.id == "label":
            continue
        values = property_values(source, iri, prop)
        if values:
            shown = sorted(value.label or (value.literal.value if value.literal else entity_id(value.iri or ""))
                           for value in values)
            facts.append((prop.name, ", ".join(shown[:8]) + (" …" if len(shown) > 8 else "")))
    return Preview(summary, facts)


@dataclass(frozen=True)
class ExtendRequest:
    ids: list[str]
    properties: list[tuple[RProperty, int]]  # with the "limit" setting (0: every value)


def parse_extend(body: Any, where: str = "extend") -> ExtendRequest:
    """``{"ids": [...], "properties": [{"id": "country", "settings": {"limit": 1}}]}`` -> ``ExtendRequest``."""
    if not isinstance(body, dict):
        raise QueryError(f'{where}: must be a JSON object with "ids" and "properties"')
    ids, props = body.get("ids"), body.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise QueryError(f'{where}.ids: must be a list of entity ids')
    if not isinstance(props, list):
        raise QueryError(f'{where}.properties: must be a list of {{"id": …}}')
    wanted = []
    for number, item in enumerate(props):
        place = f"{where}.properties[{number}]"
        prop = find_property(item.get("id", "")) if isinstance(item, dict) and isinstance(item.get("id"), str) \
            else None
        if prop is None:
            raise QueryError(f"{place}: unknown property {item!r} (see /reconcile/suggest/property)")
        settings = item.get("settings") or {}
        limit = settings.get("limit", 0) if isinstance(settings, dict) else None
        if isinstance(limit, str) and limit.strip().isdigit():
            limit = int(limit)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise QueryError(f"{place}.settings.limit: must be a whole number ≥ 0, not {limit!r}")
        wanted.append((prop, limit))
    return ExtendRequest(ids=ids, properties=wanted)


def extend(source: ReconcileSource, request: ExtendRequest) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """For each id, for each property id, its values as ``{str}``, ``{id, name}``, ``{float}``, ``{date}`` or
    ``{bool}``; an unknown id gets no values."""
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for identifier in request.ids:
        iri = entity_iri(identifier)
        known = source.entity(iri) is not None
        row = rows[identifier] = {}
        for prop, limit in request.properties:
            values = [_cell(value) for value in property_values(source, iri, prop)] if known else []
            values.sort(key=lambda cell: str(next(iter(cell.values()))))
            row[prop.id] = values[:limit] if limit else values
    return rows


def _cell(value: Value) -> dict[str, Any]:
    if value.iri is not None:
        if value.iri.startswith(ID_SPACE):
            return {"id": entity_id(value.iri), "name": value.label or entity_id(value.iri)}
        return {"str": value.iri}
    literal = value.literal
    assert literal is not None
    datatype = literal.datatype.value
    if datatype in _NUMBERS:
        try:
            return {"float": float(literal.value)}
        except ValueError:
            return {"str": literal.value}
    if datatype in _DATES:
        return {"date": literal.value}
    if datatype == XSD + "boolean":
        return {"bool": literal.value == "true"}
    return {"str": literal.value}


def extend_meta(request: ExtendRequest) -> list[dict[str, Any]]:
    """The columns of an extension: each property, with the type of its entity values."""
    meta = []
    for prop, _ in request.properties:
        column: dict[str, Any] = prop.as_json()
        if prop.values is not None:
            column["type"] = TYPES[prop.values].as_json()
        meta.append(column)
    return meta

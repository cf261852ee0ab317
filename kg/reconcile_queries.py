"""Reconciliation queries as the protocol sends them -> ``MatchQuery``; anything malformed -> ``QueryError``.

Two shapes arrive. The 0.2 protocol (OpenRefine 3.x) sends a JSON object of named queries, form-encoded as
``queries=``::

    {"q0": {"query": "Caraiba", "type": "Mine", "limit": 3, "type_strict": "should",
            "properties": [{"pid": "country", "v": "Brazil"}]}}

The 1.0 draft POSTs ``{"queries": [...]}`` as JSON: a list of the same queries, or of queries whose name and
properties are ``conditions`` (``{"match_type": "name", "v": …}`` / ``{"match_type": "property", "pid": …, "v": …,
"required": …, "match_quantifier": "any"|"all"|"none"}``; the camelCase spellings ``matchType``, ``propertyId``,
``propertyValue``, ``matchQuantifier`` of later drafts too).

Errors name the place: ``queries.q1.properties[0]: "pid" is missing``.

>>> [q.text for q in parse_batch_v02('{"q0": {"query": "Caraiba"}}').values()]
['Caraiba']
>>> parse_batch_v02('{"q0": {"query": "x", "limit": 0}}')
Traceback (most recent call last):
...
kg.reconcile_queries.QueryError: queries.q0.limit: must be a positive integer, not 0
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kg.reconcile_schema import RProperty, RType, find_property, find_type

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
TYPE_STRICT = ("any", "all", "should")
QUANTIFIERS = ("any", "all", "none")


class QueryError(ValueError):
    """A query the service cannot read; the message says where and what."""


@dataclass(frozen=True)
class Condition:
    """A property condition: the candidate's ``prop`` should have (any / all / none of) ``values``."""

    prop: RProperty
    values: tuple[Any, ...]
    required: bool = False
    quantifier: str = "any"


@dataclass(frozen=True)
class MatchQuery:
    text: str
    types: tuple[RType, ...] = ()
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    conditions: tuple[Condition, ...] = field(default=())


def parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise QueryError(f"{where}: not valid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None


def parse_batch_v02(text: str) -> dict[str, MatchQuery]:
    """The 0.2 ``queries`` parameter: a JSON object of named queries."""
    batch = parse_json(text, "queries")
    if not isinstance(batch, dict):
        raise QueryError(f"queries: must be a JSON object of named queries ({{\"q0\": {{\"query\": …}}}}), "
                         f"not {_json_type(batch)}")
    return {str(key): parse_query(value, f"queries.{key}") for key, value in batch.items()}


def parse_batch_v1(body: Any) -> list[MatchQuery]:
    """The 1.0 draft's request body: ``{"queries": [...]}``."""
    if not isinstance(body, dict) or "queries" not in body:
        raise QueryError('body: must be a JSON object with a "queries" list')
    queries = body["queries"]
    if not isinstance(queries, list):
        raise QueryError(f"queries: must be a list, not {_json_type(queries)}")
    return [parse_query(query, f"queries[{number}]") for number, query in enumerate(queries)]


def parse_query(raw: Any, where: str) -> MatchQuery:
    """One query of either shape."""
    if isinstance(raw, str):  # 0.1 clients may send a bare string
        raw = {"query": raw}
    if not isinstance(raw, dict):
        raise QueryError(f"{where}: must be a JSON object, not {_json_type(raw)}")
    text = raw.get("query", "")
    if not isinstance(text, str):
        raise QueryError(f"{where}.query: must be a string, not {_json_type(text)}")
    conditions: list[Condition] = []
    for number, item in enumerate(_list(raw.get("properties", []), f"{where}.properties")):
        conditions.append(_condition(item, f"{where}.properties[{number}]"))
    for number, item in enumerate(_list(raw.get("conditions", []), f"{where}.conditions")):
        place = f"{where}.conditions[{number}]"
        if not isinstance(item, dict):
            raise QueryError(f"{place}: must be a JSON object, not {_json_type(item)}")
        match_type = item.get("match_type", item.get("matchType", "property"))
        if match_type == "name":
            value = item.get("v", item.get("propertyValue"))
            if not isinstance(value, str):
                raise QueryError(f'{place}.v: a name condition needs a string, not {_json_type(value)}')
            text = f"{text} {value}".strip()
        elif match_type == "property":
            conditions.append(_condition(item, place))
        else:
            raise QueryError(f'{place}.match_type: must be "name" or "property", not {match_type!r}')
    if not text.strip() and not conditions:
        raise QueryError(f'{where}: needs a "query" (or a name condition) or property conditions')
    type_strict = raw.get("type_strict", "any")
    if type_strict not in TYPE_STRICT:
        raise QueryError(f"{where}.type_strict: must be one of {', '.join(TYPE_STRICT)}, not {type_strict!r}")
    return MatchQuery(text=text.strip(), types=_types(raw.get("type"), f"{where}.type"), type_strict=type_strict,
                      limit=_limit(raw.get("limit", DEFAULT_LIMIT), f"{where}.limit"), conditions=tuple(conditions))


def _condition(item: Any, where: str) -> Condition:
    if not isinstance(item, dict):
        raise QueryError(f"{where}: must be a JSON object with pid and v, not {_json_type(item)}")
    pid = item.get("pid", item.get("propertyId"))
    if pid is None:
        raise QueryError(f'{where}: "pid" is missing')
    prop = find_property(pid) if isinstance(pid, str) else None
    if prop is None:
        raise QueryError(f"{where}.pid: unknown property {pid!r} (see /reconcile/suggest/property)")
    if "v" not in item and "propertyValue" not in item:
        raise QueryError(f'{where}: "v" is missing')
    raw_values = item.get("v", item.get("propertyValue"))
    values = tuple(raw_values) if isinstance(raw_values, list) else (raw_values,)
    for value in values:
        if not isinstance(value, str | int | float | bool) and not (isinstance(value, dict) and
                                                                   isinstance(value.get("id"), str)):
            raise QueryError(f"{where}.v: a value must be a string, number, boolean or {{\"id\": …}}, "
                             f"not {_json_type(value)}")
    required = item.get("required", False)
    if not isinstance(required, bool):
        raise QueryError(f"{where}.required: must be true or false")
    quantifier = item.get("match_quantifier", item.get("matchQuantifier", "any"))
    if quantifier not in QUANTIFIERS:
        raise QueryError(f"{where}.match_quantifier: must be one of {', '.join(QUANTIFIERS)}, not {quantifier!r}")
    return Condition(prop=prop, values=values, required=required, quantifier=quantifier)


def _types(raw: Any, where: str) -> tuple[RType, ...]:
    if raw is None or raw == "":
        return ()
    names = raw if isinstance(raw, list) else [raw]
    found = []
    for name in names:
        if isinstance(name, dict):  # some clients send the type object back
            name = name.get("id")
        rtype = find_type(name) if isinstance(name, str) else None
        if rtype is None:
            raise QueryError(f"{where}: unknown type {name!r} (see /reconcile/suggest/type)")
        found.append(rtype)
    return tuple(found)


def _limit(raw: Any, where: str) -> int:
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise QueryError(f"{where}: must be a positive integer, not {raw!r}")
    return min(raw, MAX_LIMIT)


def _list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise QueryError(f"{where}: must be a list, not {_json_type(raw)}")
    return raw


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)

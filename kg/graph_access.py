"""Who owns each partner graph and who may read it, kept in the accounts SQLite file (the setting ``accounts_db``).

A partner graph (``kg.iris.partner_graph``) belongs to the partner whose slug is in its IRI. It is ``public``
(anyone reads it) or ``partners``: only its owner, the partners listed as its readers and admins read it. Its
catalog companion (``kg.iris.partner_catalog_graph``) and its linkset (``kg.iris.partner_links_graph``, link
discovery) are read by the same callers. Every other graph (the hub's
sources, the catalog) is public here, and only ``/store`` writes partner graphs: ``may_write`` is False for all
others.

Visibility everywhere else (SPARQL, pages, search, dumps) is ``hidden_graphs``: the graphs a caller may not read,
companions included, to take out of the dataset a query sees.

>>> import tempfile, pathlib
>>> from kg.accounts import Caller, add_partner
>>> db = pathlib.Path(tempfile.mkdtemp()) / "accounts.sqlite3"
>>> _ = add_partner(db, "bgs", name="BGS"), add_partner(db, "ibm", name="IBM")
>>> iri = "https://w3id.org/critmin/graph/partner/bgs/sites"
>>> register_graph(db, iri).visibility
'partners'
>>> may_read(db, Caller("ibm", frozenset({"read"})), iri)
False
>>> _ = set_access(db, iri, visibility="partners", readers=["ibm"])
>>> may_read(db, Caller("ibm", frozenset({"read"})), iri)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kg import iris
from kg.accounts import Caller, connect

VISIBILITIES = ("public", "partners")
DEFAULT_VISIBILITY = "partners"  # a first upload is private to its owner unless it says otherwise


class GraphAccessError(ValueError):
    """An unknown visibility or reader, a graph that is not a partner graph or is not registered."""


@dataclass(frozen=True)
class GraphAccess:
    iri: str
    owner: str
    visibility: str
    readers: tuple[str, ...]  # partner slugs, sorted
    created_at: str
    updated_at: str


def register_graph(db: Path, iri: str, *, visibility: str | None = None, readers: Iterable[str] | None = None,
                   base: str = iris.BASE) -> GraphAccess:
    """Record an upload to the partner graph ``iri``: a new graph gets its owner from its IRI and the default
    visibility (private) unless given; a known one keeps its access unless ``visibility``/``readers`` are given."""
    owner = _owner(iri, base)
    wanted_readers = _check_readers(readers)
    if visibility is not None:
        _check_visibility(visibility)
    now = _now()
    with connect(db, write=True) as conn:
        _check_partners(conn, [owner, *(wanted_readers or ())])
        row = conn.execute("SELECT visibility FROM partner_graph WHERE iri = ?", (iri,)).fetchone()
        if row is None:
            conn.execute("INSERT INTO partner_graph (iri, owner, visibility, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?)", (iri, owner, visibility or DEFAULT_VISIBILITY, now, now))
        else:
            conn.execute("UPDATE partner_graph SET visibility = ?, updated_at = ? WHERE iri = ?",
                         (visibility or row[0], now, iri))
        if wanted_readers is not None:
            _replace_readers(conn, iri, wanted_readers)
        return _read(conn, iri)  # type: ignore[return-value]


def set_access(db: Path, iri: str, *, visibility: str, readers: Iterable[str]) -> GraphAccess:
    """Change who may read a registered partner graph; unknown partner slugs are refused, nothing changed."""
    _check_visibility(visibility)
    wanted = _check_readers(readers) or ()
    with connect(db, write=True) as conn:
        if _read(conn, iri) is None:
            raise GraphAccessError(f"no partner graph {iri} has been uploaded")
        _check_partners(conn, wanted)
        conn.execute("UPDATE partner_graph SET visibility = ?, updated_at = ? WHERE iri = ?",
                     (visibility, _now(), iri))
        _replace_readers(conn, iri, wanted)
        return _read(conn, iri)  # type: ignore[return-value]


def unregister_graph(db: Path, iri: str) -> bool:
    """Forget a deleted graph (its readers go with it); False when it was not registered."""
    with connect(db, write=True) as conn:
        return conn.execute("DELETE FROM partner_graph WHERE iri = ?", (iri,)).rowcount > 0


def access_of(db: Path, iri: str) -> GraphAccess | None:
    """The access record of a partner graph, None when it is not registered (or there is no accounts file yet)."""
    if not db.exists():  # an anonymous read must not create the file
        return None
    with connect(db) as conn:
        return _read(conn, iri)


def check_partners(db: Path, slugs: Iterable[str]) -> None:
    """Refuse (``GraphAccessError``) slugs that name no current partner: an upload checks its owner and readers
    before it writes anything."""
    with connect(db) as conn:
        _check_partners(conn, list(slugs))


def check_visibility(visibility: str) -> None:
    _check_visibility(visibility)


def may_read(db: Path, caller: Caller, iri: str, *, base: str = iris.BASE) -> bool:
    """Whether ``caller`` may read the graph ``iri``: hub graphs yes; a partner graph or its catalog companion when
    it is public, or the caller is its owner, a listed reader or an admin. An unregistered partner graph is read
    only by its owner and admins (fail closed: it may be left from an upload that did not finish)."""
    parsed = iris.parse_partner_graph(iri, base=base)
    if parsed is None:
        return True
    if caller.partner is not None and (caller.can("admin") or caller.partner == parsed.slug):
        return True
    record = access_of(db, iris.partner_graph(parsed.slug, parsed.name, base=base).value)
    if record is None:
        return False
    return record.visibility == "public" or (caller.partner is not None and caller.partner in record.readers)


def may_write(caller: Caller, iri: str, *, base: str = iris.BASE) -> bool:
    """Whether ``caller`` may create, replace, append to or delete the graph ``iri`` through ``/store``: a partner
    (scope ``write``) its own partner graphs, an admin any partner graph; nobody any other graph or a companion."""
    parsed = iris.parse_partner_graph(iri, base=base)
    if parsed is None or parsed.companion or caller.partner is None or not caller.can("write"):
        return False
    return caller.can("admin") or caller.partner == parsed.slug


def hidden_graphs(db: Path, caller: Caller, *, store_graphs: Iterable[str] = (), base: str = iris.BASE
                  ) -> frozenset[str]:
    """Every partner graph, with its catalog companion and linkset, that ``caller`` may not read: take these out of
    a query's dataset.

    ``store_graphs`` (the IRIs of the store's named graphs) adds the partner graphs present in the store but not
    registered, which stay hidden from everyone but their owner and admins, as in ``may_read``.
    """
    if caller.partner is not None and caller.can("admin"):
        return frozenset()
    records: list[GraphAccess] = []
    if db.exists():
        with connect(db) as conn:
            records = [_record(row, readers) for row, readers in _all_rows(conn)]
    readable = {r.iri for r in records if r.visibility == "public"
                or (caller.partner is not None and (r.owner == caller.partner or caller.partner in r.readers))}
    candidates = {r.iri for r in records}
    for graph in store_graphs:
        parsed = iris.parse_partner_graph(graph, base=base)
        if parsed is not None:
            candidates.add(iris.partner_graph(parsed.slug, parsed.name, base=base).value)
            if caller.partner == parsed.slug:
                readable.add(iris.partner_graph(parsed.slug, parsed.name, base=base).value)
    hidden: set[str] = set()
    for graph in candidates - readable:
        parsed = iris.parse_partner_graph(graph, base=base)
        if parsed is not None:
            hidden |= {graph, iris.partner_catalog_graph(parsed.slug, parsed.name, base=base).value,
                       iris.partner_links_graph(parsed.slug, parsed.name, base=base).value}
    return frozenset(hidden)


def _owner(iri: str, base: str) -> str:
    parsed = iris.parse_partner_graph(iri, base=base)
    if parsed is None or parsed.companion:
        raise GraphAccessError(f"{iri} is not a partner graph ({base}graph/partner/{{slug}}/{{name}})")
    return parsed.slug


def _check_visibility(visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise GraphAccessError(f"unknown visibility {visibility!r}; use one of: {', '.join(VISIBILITIES)}")


def _check_readers(readers: Iterable[str] | None) -> tuple[str, ...] | None:
    if readers is None:
        return None
    if isinstance(readers, str):
        raise GraphAccessError("readers must be a list of partner slugs, not one string")
    return tuple(sorted({r.strip() for r in readers if r.strip()}))


def _check_partners(conn, slugs: Iterable[str]) -> None:
    unknown = []
    for slug in slugs:
        row = conn.execute("SELECT removed_at FROM partner WHERE slug = ?", (slug,)).fetchone()
        if row is None or row[0] is not None:
            unknown.append(slug)
    if unknown:
        raise GraphAccessError(f"no partner {', '.join(repr(u) for u in unknown)}: name current partners by their "
                               "slugs (`critmin partner list`)")


def _replace_readers(conn, iri: str, readers: Iterable[str]) -> None:
    conn.execute("DELETE FROM graph_reader WHERE graph = ?", (iri,))
    conn.executemany("INSERT INTO graph_reader (graph, partner) VALUES (?, ?)", [(iri, r) for r in readers])


def _read(conn, iri: str) -> GraphAccess | None:
    row = conn.execute("SELECT iri, owner, visibility, created_at, updated_at FROM partner_graph WHERE iri = ?",
                       (iri,)).fetchone()
    if row is None:
        return None
    readers = [r[0] for r in conn.execute("SELECT partner FROM graph_reader WHERE graph = ? ORDER BY partner",
                                          (iri,))]
    return _record(row, readers)


def _all_rows(conn) -> list[tuple[tuple, list[str]]]:
    readers: dict[str, list[str]] = {}
    for graph, partner in conn.execute("SELECT graph, partner FROM graph_reader ORDER BY partner"):
        readers.setdefault(graph, []).append(partner)
    rows = conn.execute("SELECT iri, owner, visibility, created_at, updated_at FROM partner_graph").fetchall()
    return [(row, readers.get(row[0], [])) for row in rows]


def _record(row: tuple, readers: list[str]) -> GraphAccess:
    iri, owner, visibility, created_at, updated_at = row
    return GraphAccess(iri, owner, visibility, tuple(readers), created_at, updated_at)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


"""Bound values written into the text of one of our queries, where pyoxigraph's ``substitutions`` would be slow.

pyoxigraph plans a query run with ``substitutions`` as if the bound variables were free and joins the values in
afterwards. An entity page's statements query (``kg/entity_extracted_statements.rq``) took 900 to 2,400 ms at 10M
triples bound that way, and about 1 ms with the IRI in the text (``bench/profile_entities.py``); VALUES is planned the
same way as a substitution. So ``kg.store.query`` writes each bound term in place of its variable. The term is written
by pyoxigraph itself (``str(term)``: N-Triples syntax, escaped), never assembled from strings of ours, so a value
cannot change the query's structure; what is replaced is found by ``kg.sparql_lexer``, which skips strings, IRIs and
comments.

Where text and substitution could mean different things, nothing is inlined and the caller falls back to
substitutions: a nested SELECT (the variable's scope changes), ``SELECT *``, a VALUES block, the variable as the
target of ``AS``, a blank node as value. In the outer projection ``?x`` becomes ``(<term> AS ?x)``, so every row still
carries it; in GROUP BY and ORDER BY it becomes the constant expression ``(<term>)``.

>>> from pyoxigraph import NamedNode
>>> inline_bindings("SELECT ?s ?o WHERE { ?s <p> ?o } ORDER BY ?s", {"s": NamedNode("http://x/a")})
'SELECT (<http://x/a> AS ?s) ?o WHERE { <http://x/a> <p> ?o } ORDER BY (<http://x/a>)'
>>> inline_bindings("SELECT * WHERE { ?s ?p ?o }", {"s": NamedNode("http://x/a")}) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from itertools import accumulate

from pyoxigraph import Literal, NamedNode

from kg.sparql_lexer import Token, tokenize

_MODIFIER_ENDS = {"LIMIT", "OFFSET", "HAVING", "VALUES"}


def inline_bindings(sparql: str, bindings: Mapping[str, object]) -> str | None:
    """``sparql`` with each bound variable replaced by its value, or None when that is not safe (see the module)."""
    if not bindings or not all(isinstance(value, NamedNode | Literal) for value in bindings.values()):
        return None
    edits = _edits(sparql, frozenset(bindings))
    if edits is None:
        return None
    pieces, done = [], 0
    for start, end, name, shape in edits:
        pieces += (sparql[done:start], shape.format(term=str(bindings[name]), text=sparql[start:end]))
        done = end
    pieces.append(sparql[done:])
    return "".join(pieces)


@lru_cache(maxsize=1024)
def _edits(sparql: str, names: frozenset[str]) -> tuple[tuple[int, int, str, str], ...] | None:
    """Where each of the variables ``names`` goes in ``sparql``: (start, end, name, the replacement's shape), or None
    when inlining them is not safe. Our queries are few and run often, so this is worked out once per query and
    set of bound names (tokenizing took about 1 ms a query, a tenth of a hub page's time)."""
    tokens = tokenize(sparql)
    if sum(t.is_word("SELECT") for t in tokens) > 1 or any(t.is_word("VALUES") for t in tokens):
        return None
    line_starts = [0, *accumulate(len(line) + 1 for line in sparql.split("\n"))]
    projection = _projection(tokens)
    if _selects_all(tokens, projection):
        return None
    edits: list[tuple[int, int, str, str]] = []
    depth, in_modifier = 0, False
    for index, token in enumerate(tokens):
        if token.kind == "word" and token.value == "BY" and index and tokens[index - 1].is_word("GROUP", "ORDER"):
            in_modifier = True
        elif token.kind == "word" and token.value in _MODIFIER_ENDS:
            in_modifier = False
        if index in projection:
            depth += token.is_punct("(") - token.is_punct(")")
        if token.kind != "var" or token.value not in names:
            continue
        if index and tokens[index - 1].is_word("AS"):
            return None  # BIND (… AS ?x) or (… AS ?x): the query gives the variable its own value
        if index in projection and depth == 0:
            shape = "({term} AS {text})"
        elif in_modifier:
            shape = "({term})"
        else:
            shape = "{term}"
        start = line_starts[token.line - 1] + token.column - 1
        edits.append((start, start + len(token.text), token.value, shape))
    return tuple(edits)


def _selects_all(tokens: list[Token], projection: set[int]) -> bool:
    """``SELECT *``: a star outside parentheses (``COUNT(*)`` is not one)."""
    depth = 0
    for index in sorted(projection):
        depth += tokens[index].is_punct("(") - tokens[index].is_punct(")")
        if depth == 0 and tokens[index].is_punct("*"):
            return True
    return False


def _projection(tokens: list[Token]) -> set[int]:
    """The indexes of the tokens between SELECT (and DISTINCT or REDUCED) and the WHERE clause or its '{'."""
    start = next((i for i, t in enumerate(tokens) if t.is_word("SELECT")), None)
    if start is None:
        return set()
    end = next((i for i in range(start + 1, len(tokens))
                if tokens[i].is_word("WHERE", "FROM") or tokens[i].is_punct("{")), len(tokens))
    return set(range(start + 1, end))

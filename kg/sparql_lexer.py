"""A small SPARQL tokenizer: what a query is (SELECT, ASK, CONSTRUCT, DESCRIBE or an update) and what it reaches.

It does not parse SPARQL, it only has to find, without ever missing one, the places where a query makes the server
send an HTTP request: ``SERVICE <endpoint>`` in a query and ``LOAD <source>`` in an update (see
``kg/remote_policy.py``). A query that pyoxigraph would reject may be scanned leniently: it never runs.

>>> scan = scan_query('''PREFIX ex: <http://example.org/>
... SELECT * WHERE { ?s ?p "SERVICE <http://a/>" # SERVICE <http://b/>
...   SERVICE SILENT ex:sparql { ?s ?p ?o } }''')
>>> scan.form, [(t.iri, t.silent) for t in scan.services]
('SELECT', [('http://example.org/sparql', True)])

What it has to agree on with Oxigraph's parser (each point is checked against pyoxigraph in the tests):

- Comments, the four string forms (with escapes) and IRIs hide what they contain; ``<http://x#y>`` is one IRI.
- ``<`` starts an IRI, except inside an expression right after an operand (``FILTER(?a<'x>')``), where it is the
  less-than operator. All operators sit inside parentheses, so the lexer tracks which ``(`` opens an expression.
- Keywords are case-insensitive, and Oxigraph matches them without a word boundary: ``SERVICE:x``,
  ``SERVICESILENT<…>``, ``LOAD:x`` and ``PREFIXex:<…>`` work, so a name that starts with a keyword can be one.
- Prefixed names resolve against the query's PREFIX lines, then the prefixes the store predeclares; relative IRIs
  against BASE (RFC 3986), with ``\\u`` escapes decoded in IRIs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

_PN_EXTRA = "\u00b7\u0300-\u036f\u203f\u2040"
_IRIREF = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_MENTIONS_REMOTE = re.compile(r"service|load", re.IGNORECASE)
# One pattern for every token but '<' (which depends on the context), tried in this order at each position.
# An unterminated string runs to the end of its line (or of the text, for a long one): the query will not parse.
_MASTER = re.compile(
    "|".join(
        [
            r"(?P<space>\s+)",
            r"(?P<comment>#[^\r\n]*)",
            r"(?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*(?:''')?"
            r'|"""(?:(?:"|"")?(?:[^"\\]|\\[\s\S]))*(?:""")?'
            r"|'(?:[^'\\\r\n]|\\[^\r\n])*'?"
            r'|"(?:[^"\\\r\n]|\\[^\r\n])*"?)',
            rf"(?P<var>[?$][\w{_PN_EXTRA}]+)",
            rf"(?P<bnode>_:[\w{_PN_EXTRA}.\-]*)",
            rf"(?P<name>[^\W\d_][\w{_PN_EXTRA}.\-]*|(?=:))",
            r"(?P<langtag>@[A-Za-z][A-Za-z0-9\-]*)",
            r"(?P<number>[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.?[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+)",
            r"(?P<punct>\^\^|>=|!=|&&|\|\||>>|[\s\S])",
        ]
    )
)
_LOCAL = re.compile(rf"(?:[\w{_PN_EXTRA}.\-:]|%[0-9A-Fa-f]{{2}}|\\[_~.\-!$&'()*+,;=/?#@%])*")
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_IRI_PARTS = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.DOTALL)

# Frames: what the innermost open bracket is. Only in an "expr" frame can '<' be the less-than operator.
_EXPR, _LIST, _GROUP, _VALUES, _BNODE_FRAME, _QUOTED = "expr", "list", "group", "values", "bnode", "quoted"
_OPERAND_KINDS = {"var", "iri", "pname", "string", "number", "langtag", "bnode"}
# Words after which '(' opens an expression even in a group; every other bare word there is a function name.
_NOT_FUNCTIONS = {"a", "VALUES", "UNDEF", "GRAPH", "SERVICE", "SILENT", "OPTIONAL", "MINUS", "UNION", "WHERE"}
_CLAUSE_START = {"SELECT", "GROUP", "ORDER", "HAVING"}
_CLAUSE_END = {"WHERE", "FROM", "LIMIT", "OFFSET", "VALUES"}
# Words after which a prefixed name followed by '{' is a graph name or an endpoint, not SERVICE glued to a name.
_NAME_BEFORE_GROUP = ("GRAPH", "SERVICE", "SERVICESILENT", "SILENT", "FROM", "NAMED")


class Token(NamedTuple):
    kind: str  # iri, pname, var, string, number, langtag, bnode, word, punct
    text: str  # as written
    line: int
    column: int
    value: str = ""  # iri: the IRI with \u escapes decoded; pname: the text; word: the text upper-cased

    @property
    def prefix(self) -> str:
        """For a pname, the part before the first ':'."""
        return self.text.split(":", 1)[0]

    @property
    def local(self) -> str:
        return self.text.split(":", 1)[1] if ":" in self.text else ""

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.value in words

    def is_punct(self, text: str) -> bool:
        return self.kind == "punct" and self.text == text


@dataclass(frozen=True)
class Declaration:
    keyword: str  # "PREFIX" or "BASE"
    name: str | None  # the prefix without ':' ("" for ':'); None for BASE
    iri: str  # for BASE, resolved against the BASE before it


@dataclass(frozen=True)
class RemoteTarget:
    """A place the query would make the server send an HTTP request to."""

    keyword: str  # "SERVICE" or "LOAD"
    text: str  # the target as written: <iri>, prefix:name or ?var
    line: int
    column: int
    iri: str | None = None  # absolute IRI; None for a variable or when it cannot be resolved
    variable: str | None = None  # "x" for SERVICE ?x
    silent: bool = False
    problem: str | None = None  # why there is no IRI


@dataclass(frozen=True)
class QueryScan:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE; None when it cannot be told
    declarations: tuple[Declaration, ...] = ()
    services: tuple[RemoteTarget, ...] = ()
    loads: tuple[RemoteTarget, ...] = ()
    prefixes: Mapping[str, str] = field(default_factory=dict)  # as declared by the query, the last one winning
    base_iri: str | None = None  # the last BASE (or the base given)

    @property
    def remote_targets(self) -> tuple[RemoteTarget, ...]:
        return self.services + self.loads


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [match.start() for match in re.finditer("\n", text)]
        self.tokens: list[Token] = []
        self.frames: list[str] = []
        self.clause_expr: list[bool] = [False]  # per brace level: inside SELECT / GROUP BY / ORDER BY / HAVING
        self.values_pending = False

    def iterate(self) -> Iterator[Token]:
        text, size, pos, given = self.text, len(self.text), 0, 0
        while pos < size:
            while given < len(self.tokens):
                yield self.tokens[given]
                given += 1
            if text[pos] == "<":
                pos = self._less_than(pos)
                continue
            match = _MASTER.match(text, pos)
            assert match is not None  # the last alternative matches any character
            kind, end = match.lastgroup, match.end()
            if kind == "space" or kind == "comment":
                pass
            elif kind == "name":
                end = self._name(pos, end)
            elif kind == "punct":
                self._punct(pos, end)
            elif kind == "var":
                self._emit("var", pos, end, text[pos + 1 : end])
            elif kind == "bnode":
                end = self._strip_dots(pos, end)
                self._emit("bnode", pos, end)
            else:
                self._emit(kind, pos, end)  # type: ignore[arg-type]
            pos = end
        yield from self.tokens[given:]

    # -- pieces -----------------------------------------------------------------------------------------------

    def _less_than(self, pos: int) -> int:
        text = self.text
        top = self.frames[-1] if self.frames else None
        previous = self.tokens[-1] if self.tokens else None
        after_operand = previous is not None and (
            previous.kind in _OPERAND_KINDS
            or (previous.kind == "punct" and previous.text in (")", "]"))
            or previous.is_word("TRUE", "FALSE")
        )
        if not (top == _EXPR and after_operand):
            if match := _IRIREF.match(text, pos):
                self._emit("iri", pos, match.end(), _UCHAR.sub(_decode_uchar, match.group()[1:-1]))
                return match.end()
            if text.startswith("<<", pos):
                self._emit("punct", pos, pos + 2)
                self.frames.append(_QUOTED)
                return pos + 2
        end = pos + (2 if text.startswith("<=", pos) else 1)
        self._emit("punct", pos, end)
        return end

    def _name(self, pos: int, end: int) -> int:
        text = self.text
        end = self._strip_dots(pos, end) if end > pos else pos
        if end < len(text) and text[end] == ":":
            local_end = _LOCAL.match(text, end + 1).end()  # type: ignore[union-attr]
            while local_end > end + 1 and text[local_end - 1] == "." and text[local_end - 2] != "\\":
                local_end -= 1
            self._emit("pname", pos, local_end)
            return local_end
        # A bare word (a keyword, 'a', true, a function name) has no '.' or '-': in "true.SERVICE" the '.' ends
        # the triple and SERVICE starts a call.
        end = pos + len(re.split(r"[.\-]", text[pos:end], maxsplit=1)[0])
        word = text[pos:end]
        upper = word.upper()
        self._emit("word", pos, end, word if word == "a" else upper)
        if upper in _CLAUSE_START:
            self.clause_expr[-1] = True
        elif upper in _CLAUSE_END:
            self.clause_expr[-1] = False
        if upper == "VALUES":
            self.values_pending = True
        return end

    def _punct(self, pos: int, end: int) -> None:
        chars = self.text[pos:end]
        top = self.frames[-1] if self.frames else None
        if chars == ">>":
            if top != _QUOTED:
                end = pos + 1  # only closes a quoted triple; elsewhere two '>'
                chars = ">"
            else:
                self.frames.pop()
        elif chars == "(":
            self.frames.append(self._paren_kind())
        elif chars == "{":
            self.frames.append(_VALUES if self.values_pending else _GROUP)
            self.values_pending = False
            self.clause_expr[-1] = False
            self.clause_expr.append(False)
        elif chars == "[":
            self.frames.append(_BNODE_FRAME)
        elif chars in (")", "}", "]"):
            self._close({")": (_EXPR, _LIST), "}": (_GROUP, _VALUES), "]": (_BNODE_FRAME,)}[chars])
        self._emit("punct", pos, end)
        if chars == ">" and end == pos + 1 and self.text.startswith(">>", pos):
            self._emit("punct", pos + 1, pos + 2)

    def _paren_kind(self) -> str:
        top = self.frames[-1] if self.frames else None
        previous = self.tokens[-1] if self.tokens else None
        before = self.tokens[-2] if len(self.tokens) > 1 else None
        if previous is not None and previous.is_punct("<<"):
            return _LIST  # a triple term <<( s p o )>>
        if top == _EXPR:
            return _EXPR
        if top in (_LIST, _VALUES, _QUOTED) or (previous is not None and previous.is_word("VALUES")):
            return _LIST
        if top is None or self.clause_expr[-1]:
            return _EXPR  # outside braces only SELECT, GROUP BY, ORDER BY and HAVING use parentheses
        if previous is not None and previous.kind == "word" and previous.value not in _NOT_FUNCTIONS:
            return _EXPR  # FILTER(, BIND(, regex(, COUNT(
        if previous is not None and previous.kind == "pname" and previous.prefix.upper().startswith("FILTER"):
            return _EXPR  # FILTERex:function( is FILTER glued to a function name
        if (
            previous is not None
            and previous.kind in ("iri", "pname")
            and before is not None
            and before.is_word("FILTER")
        ):
            return _EXPR  # FILTER ex:function(
        return _LIST  # an RDF collection in a triple pattern

    def _close(self, kinds: tuple[str, ...]) -> None:
        if not any(frame in kinds for frame in self.frames):
            return  # unbalanced: the query will not parse; carry on
        while self.frames:
            frame = self.frames.pop()
            if frame in (_GROUP, _VALUES) and len(self.clause_expr) > 1:
                self.clause_expr.pop()
            if frame in kinds:
                return

    def _strip_dots(self, pos: int, end: int) -> int:
        while end > pos + 1 and self.text[end - 1] == ".":
            end -= 1
        return end

    def _emit(self, kind: str, pos: int, end: int, value: str | None = None) -> None:
        source = self.text[pos:end]
        line = bisect_right(self.newlines, pos - 1)
        column = pos - (self.newlines[line - 1] + 1 if line else 0) + 1
        self.tokens.append(Token(kind, source, line + 1, column, source if value is None else value))


def tokenize(query: str) -> list[Token]:
    """The tokens of a query, comments and whitespace left out.

    >>> [t.text for t in tokenize("SELECT * { ?s <http://x#y> 'a # b' } # end")]
    ['SELECT', '*', '{', '?s', '<http://x#y>', "'a # b'", '}']
    """
    return list(_Lexer(query).iterate())


def scan_query(query: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None) -> QueryScan:
    """The form, the declarations and every SERVICE / LOAD target of a query or update.

    ``base_iri`` and ``prefixes`` are what the store is given beside the query (the query's own BASE and PREFIX
    lines take precedence). A target that can be read more than one way is reported once per reading.
    """
    # Without these letters there is no SERVICE and no LOAD (keywords cannot be escaped): the prologue is enough.
    everything = bool(_MENTIONS_REMOTE.search(query))
    stream = _Lexer(query).iterate()
    tokens: list[Token] = []
    declared: dict[str, str] = {}
    defaults = dict(prefixes or {})
    base = base_iri
    declarations: list[Declaration] = []
    services: list[RemoteTarget] = []
    loads: list[RemoteTarget] = []
    form: str | None = None
    in_prologue = True
    depth = 0

    def at(index: int) -> Token | None:
        while index >= len(tokens):
            token = next(stream, None)
            if token is None:
                return None
            tokens.append(token)
        return tokens[index] if index >= 0 else None

    def resolve_pname(name: str) -> tuple[str | None, str | None]:
        prefix, local = name.split(":", 1)
        namespace = declared.get(prefix, defaults.get(prefix))
        if namespace is None:
            return None, f"the prefix '{prefix}:' is not declared"
        iri = namespace + _LOCAL_ESCAPE.sub(r"\1", local)
        return (iri, None) if _SCHEME.match(iri) else (None, f"{name} is not an absolute IRI")

    def target(keyword: str, token: Token | None, anchor: Token, *, silent: bool, name: str | None = None) -> None:
        iri: str | None = None
        variable: str | None = None
        written = token.text if token is not None else ""
        if token is None or token.kind not in ("iri", "pname", "var"):
            problem: str | None = f"no endpoint IRI after {keyword}"
        elif token.kind == "var":
            variable, problem = token.value, "the endpoint is a variable"
        elif token.kind == "iri":
            iri = resolve_iri(token.value, base)
            problem = None if iri else f"the relative IRI {token.text} has no BASE to resolve against"
        else:
            written = name if name is not None else token.text
            iri, problem = resolve_pname(written)
        where = token if token is not None else anchor
        found = services if keyword == "SERVICE" else loads
        found.append(RemoteTarget(keyword, written, where.line, where.column, iri, variable, silent, problem))

    def keyword_call(keyword: str, index: int) -> None:
        """``SERVICE [SILENT] target`` / ``LOAD [SILENT] target``, the keyword being the word at ``index``."""
        word = tokens[index]
        silent = word.value == keyword + "SILENT"
        following = at(index + 1)
        if not silent and following is not None and following.is_word("SILENT"):
            silent, following = True, at(index + 2)
        target(keyword, following, word, silent=silent)
        if not silent and following is not None and following.kind == "pname":
            rest = _after_keyword(following.prefix, "SILENT")
            if rest is not None:  # SERVICE SILENTex:name reads as SERVICE SILENT ex:name
                target(keyword, following, word, silent=True, name=f"{rest}:{following.local}")

    def glued_call(keyword: str, token: Token) -> None:
        """``SERVICEex:name`` / ``SERVICE:name`` / ``SERVICESILENTex:name``: the keyword glued to a prefixed name."""
        rest = _after_keyword(token.prefix, keyword)
        if rest is None:
            return
        target(keyword, token, token, silent=False, name=f"{rest}:{token.local}")
        rest_silent = _after_keyword(rest, "SILENT")
        if rest_silent is not None:
            target(keyword, token, token, silent=True, name=f"{rest_silent}:{token.local}")

    index = -1
    while (token := at(index := index + 1)) is not None:
        if not in_prologue and not everything:
            break
        if token.kind == "punct":
            if token.text == "{":
                depth += 1
            elif token.text == "}":
                depth = max(depth - 1, 0)
            elif token.text == ";" and depth == 0:
                in_prologue = True  # the next operation of an update may declare more
        if not in_prologue and token.kind not in ("word", "pname"):
            continue  # the fast path: nothing else can start a declaration or a call
        previous, following = at(index - 1), at(index + 1)
        glued_prefix = _after_keyword(token.prefix, "PREFIX") if token.kind == "pname" and not token.local else None
        if token.is_word("PREFIX") or (
            in_prologue and glued_prefix is not None and following and following.kind == "iri"
        ):
            if glued_prefix is not None:
                name, iri_token = glued_prefix, following
            else:
                name = following.prefix if following is not None and following.kind == "pname" else None
                iri_token = at(index + 2)
            if name is not None and iri_token is not None and iri_token.kind == "iri":
                declared[name] = resolve_iri(iri_token.value, base) or iri_token.value
                declarations.append(Declaration("PREFIX", name, declared[name]))
            continue
        if token.is_word("BASE"):
            if following is not None and following.kind == "iri":
                base = resolve_iri(following.value, base) or following.value
                declarations.append(Declaration("BASE", None, base))
            continue
        if token.is_word("VERSION"):
            continue
        if in_prologue and not token.is_punct(";") and not _is_declaration_part(tokens, index):
            in_prologue = False
            form = form or _form_of(token)
            if token.kind == "pname" and depth == 0:
                glued_call("LOAD", token)  # LOAD:x, LOADex:name at the start of an operation
        if token.is_word("SERVICE", "SERVICESILENT"):
            keyword_call("SERVICE", index)
        elif token.is_word("LOAD", "LOADSILENT"):
            keyword_call("LOAD", index)
        elif (
            token.kind == "pname"
            and depth > 0
            and following is not None
            and following.is_punct("{")
            and (previous is None or not previous.is_word(*_NAME_BEFORE_GROUP))
        ):
            glued_call("SERVICE", token)  # SERVICE:x { }, SERVICEex:name { }
    return QueryScan(
        form=form,
        declarations=tuple(declarations),
        services=tuple(services),
        loads=tuple(loads),
        prefixes=declared,
        base_iri=base,
    )


def resolve_iri(reference: str, base: str | None) -> str | None:
    """``reference`` made absolute against ``base`` as RFC 3986 §5.2 says; None if relative without a base.

    An absolute reference is returned as written (Oxigraph does not normalise it either).

    >>> resolve_iri("../sparql", "http://example.org/a/b/c")
    'http://example.org/a/sparql'
    """
    if _SCHEME.match(reference):
        return reference
    if base is None or not _SCHEME.match(base):
        return None
    b_scheme, b_authority, b_path, b_query, _ = _IRI_PARTS.match(base).groups()  # type: ignore[union-attr]
    _, r_authority, r_path, r_query, r_fragment = _IRI_PARTS.match(reference).groups()  # type: ignore[union-attr]
    if r_authority is not None:
        authority, path, query = r_authority, _remove_dot_segments(r_path), r_query
    elif r_path == "":
        authority, path, query = b_authority, b_path, r_query if r_query is not None else b_query
    else:
        if r_path.startswith("/"):
            path = _remove_dot_segments(r_path)
        elif b_authority is not None and b_path == "":
            path = _remove_dot_segments("/" + r_path)
        else:
            path = _remove_dot_segments(b_path[: b_path.rfind("/") + 1] + r_path)
        authority, query = b_authority, r_query
    result = f"{b_scheme}:"
    if authority is not None:
        result += f"//{authority}"
    result += path
    if query is not None:
        result += f"?{query}"
    if r_fragment is not None:
        result += f"#{r_fragment}"
    return result


def _remove_dot_segments(path: str) -> str:
    output: list[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith(("./", "/./")):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../"):
            path = path[3:]
            if output:
                output.pop()
        elif path == "/..":
            path = "/"
            if output:
                output.pop()
        elif path in (".", ".."):
            path = ""
        else:
            cut = path.find("/", 1)
            segment, path = (path, "") if cut == -1 else (path[:cut], path[cut:])
            output.append(segment)
    return "".join(output)


def _decode_uchar(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code <= 0x10FFFF else match.group()


def _after_keyword(name: str, keyword: str) -> str | None:
    """What follows ``keyword`` when ``name`` starts with it (case-insensitively), else None."""
    return name[len(keyword) :] if name.upper().startswith(keyword) else None


def _form_of(token: Token) -> str | None:
    name = token.value if token.kind == "word" else token.prefix.upper() if token.kind == "pname" else ""
    for keyword in QUERY_FORMS:
        if name.startswith(keyword):
            return keyword
    if any(name.startswith(keyword) for keyword in UPDATE_KEYWORDS):
        return "UPDATE"
    return None


def _is_declaration_part(tokens: list[Token], index: int) -> bool:
    """Whether the token at ``index`` is the name, IRI or string of a PREFIX, BASE or VERSION declaration."""
    for back in (1, 2):
        if index - back < 0:
            break
        keyword = tokens[index - back]
        if back == 1 and keyword.is_word("BASE", "VERSION"):
            return True
        if keyword.is_word("PREFIX"):
            return True
        if (
            back == 1
            and keyword.kind == "pname"
            and keyword.local == ""
            and keyword.prefix.upper().startswith("PREFIX")
        ):
            return tokens[index].kind == "iri"
    return False

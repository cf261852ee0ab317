"""The SPARQL 1.1 Protocol endpoint, ``/sparql``: queries only, with a service description at a bare GET.

GET ``?query=``, POST ``application/sparql-query`` (the body is the query) and POST
``application/x-www-form-urlencoded`` (``query=``) all go to one handler, ``answer_query``. Each may carry
``default-graph-uri`` and ``named-graph-uri`` (repeatable) and ``format=`` (or ``output=``) to override ``Accept``.
Before a query reaches the query runner it is checked here: its size (``query_max_request_bytes``), that it is not
an update, and that every SERVICE endpoint is on ``remote_endpoint_allowlist``.

Errors are ``text/plain`` and name the setting involved:

=====  =========================================================================================================
400    no query, two queries, a syntax error (with line and column), an unknown ``format``, a bad graph IRI
403    a SPARQL Update, or a SERVICE endpoint that is not allowlisted
406    no acceptable format (the body lists the available ones)
413    a query over ``query_max_request_bytes``, or a result over ``query_max_result_bytes``
415    a POST that is neither ``application/sparql-query`` nor a form
500    the store could not evaluate the query
503    the query ran past ``query_timeout_ms`` and was stopped (or every worker stayed busy that long)
=====  =========================================================================================================
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from pyoxigraph import BlankNode, NamedNode, RdfFormat, Triple, serialize

from api.auth import client_key
from api.deps import RunnerDep, SettingsDep, ViewDep
from api.formats import (
    GRAPH_FORMATS,
    RESULTS_FORMATS,
    SPARQL_JSON,
    TURTLE,
    W3C_FORMAT_IRIS,
    UnknownFormatError,
    choose_format,
    content_type,
)
from api.openapi_params import described
from api.request_bodies import read_body
from kg.iris import PREFIXES
from kg.parser_guards import InputTooDeep, check_sparql_depth
from kg.query_runner import (
    QueryError,
    QueryFailed,
    QueryRequest,
    QueryResultTooLarge,
    QueryRunner,
    QuerySyntaxError,
    QueryTimeout,
    QueryUnavailable,
    UpstreamFailed,
)
from kg.remote_policy import RemoteAccessRefused, check_scan
from kg.settings import Settings
from kg.sparql_lexer import scan_query
from kg.views import View

router = APIRouter(tags=["SPARQL"])

SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LIST_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g"
MAX_LISTED_GRAPHS = 1000
_VARY = {"Vary": "Accept"}

_POST_BODY = {
    "requestBody": {
        "content": {
            SPARQL_QUERY: {"schema": {"type": "string"}, "example": "SELECT * WHERE { ?s ?p ?o } LIMIT 10"},
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "format": {"type": "string"},
                    },
                    "required": ["query"],
                }
            },
        }
    }
}


class _Refusal(Exception):
    """An error answer: its status and a plain-text message; ``policy_form``: the form of a query refused by policy
    before it ran ("" when unknown), counted in the metrics as refused."""

    def __init__(self, status: int, message: str, *, policy_form: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.policy_form = policy_form


@dataclass
class _Parameters:
    """The protocol parameters of one request, wherever they came from."""

    queries: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)

    def add(self, pairs: Sequence[tuple[str, str]]) -> None:
        for name, value in pairs:
            target = {
                "query": self.queries,
                "update": self.updates,
                "default-graph-uri": self.default_graph_uris,
                "named-graph-uri": self.named_graph_uris,
                "format": self.formats,
                "output": self.formats,
            }.get(name, self.others)
            target.append(value if target is not self.others else name)


@router.get(
    "/sparql",
    name="sparql_endpoint",
    summary="SPARQL query (GET), or the service description when there is no query",
    response_class=Response,
    openapi_extra=described(query={"query": "A SPARQL query", "default-graph-uri": "A graph of the default graph",
                                   "named-graph-uri": "A named graph of the dataset", "format": "The result format"}),
)
async def sparql_get(request: Request, runner: RunnerDep, settings: SettingsDep, view: ViewDep) -> Response:
    return await answer_query(request, runner, settings, view)


@router.head("/sparql", include_in_schema=False)
async def sparql_head(request: Request, runner: RunnerDep, settings: SettingsDep, view: ViewDep) -> Response:
    response = await answer_query(request, runner, settings, view)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    headers["content-length"] = str(len(response.body))
    return Response(status_code=response.status_code, headers=headers)


@router.post(
    "/sparql",
    name="sparql_post",
    summary="SPARQL query (POST: application/sparql-query or a form)",
    response_class=Response,
    openapi_extra=_POST_BODY,
)
async def sparql_post(request: Request, runner: RunnerDep, settings: SettingsDep, view: ViewDep) -> Response:
    return await answer_query(request, runner, settings, view)


async def answer_query(request: Request, runner: QueryRunner, settings: Settings, view: View) -> Response:
    """The one handler of every /sparql request; it queries ``view``, so only graphs the caller may read."""
    try:
        return await _answer(request, runner, settings, view)
    except _Refusal as refusal:
        if refusal.policy_form is not None:
            request.app.state.metrics.observe_query(refusal.policy_form, "refused", None)
        return PlainTextResponse(refusal.message + "\n", status_code=refusal.status, headers=_VARY)


async def _answer(request: Request, runner: QueryRunner, settings: Settings, view: View) -> Response:
    parameters = await _read_parameters(request, settings)
    if parameters.updates:
        raise _update_refused()
    if not parameters.queries:
        if request.method in ("GET", "HEAD") and not (
            parameters.default_graph_uris or parameters.named_graph_uris or parameters.others
        ):
            return await _service_description(request, runner, settings, parameters, view)
        raise _Refusal(400, "missing the 'query' parameter: send a SPARQL query (GET ?query=, or POST)")
    if len(parameters.queries) > 1:
        raise _Refusal(400, "more than one query: send exactly one, in the URL or in the body, not both")
    query = parameters.queries[0]
    if not query.strip():
        raise _Refusal(400, "the 'query' parameter is empty: send a SPARQL query")
    if len(query.encode("utf-8")) > settings.query_max_request_bytes:
        raise _too_long(settings)
    try:
        check_sparql_depth(query)  # deeper nesting crashes the parser, in our workers or a remote store
    except InputTooDeep as error:
        raise _Refusal(400, f"the query cannot be parsed: {error}") from None
    for iri in parameters.default_graph_uris + parameters.named_graph_uris:
        _check_graph_iri(iri)

    # The query runner hands PREFIXES to the store with every query: the scan must read prefixed names alike.
    scan = await run_in_threadpool(scan_query, query, prefixes=PREFIXES)  # up to ~1 s of CPU for a 1 MB query
    if scan.form == "UPDATE":
        raise _update_refused()
    try:
        check_scan(scan, settings.remote_endpoint_allowlist)
    except RemoteAccessRefused as refused:
        raise _Refusal(
            403,
            f"{refused}.\nThis service only calls remote endpoints listed in its setting remote_endpoint_allowlist; "
            f"the endpoint refused here is {refused.target}.",
            policy_form=scan.form or "",
        ) from None

    override = parameters.formats[0] if parameters.formats else None
    accept = request.headers.get("accept")
    results_format = _negotiate(accept, RESULTS_FORMATS, override, SPARQL_JSON, scan.form in ("SELECT", "ASK"))
    graph_format = _negotiate(accept, GRAPH_FORMATS, override, TURTLE, scan.form in ("CONSTRUCT", "DESCRIBE"))
    if results_format is None and graph_format is None:
        raise _not_acceptable([*RESULTS_FORMATS, *GRAPH_FORMATS])

    query_request = QueryRequest(
        query=query,
        results_format=results_format or SPARQL_JSON,
        graph_format=graph_format or TURTLE,
        default_graph_uris=tuple(parameters.default_graph_uris),
        named_graph_uris=tuple(parameters.named_graph_uris),
        form=scan.form,
    )
    try:
        result = await runner.execute(query_request, snapshot=view.snapshot, client=client_key(request))
    except QueryError as error:
        raise _query_error(error, query) from None
    if (result.kind == "graph" and graph_format is None) or (result.kind != "graph" and results_format is None):
        # The form could not be told before running (an odd query): only now is it known what was needed.
        raise _not_acceptable(GRAPH_FORMATS if result.kind == "graph" else RESULTS_FORMATS)
    return Response(result.body, headers={"Content-Type": content_type(result.media_type), **_VARY})


# -- reading the request --------------------------------------------------------------------------------------


async def _read_parameters(request: Request, settings: Settings) -> _Parameters:
    parameters = _Parameters()
    parameters.add(request.query_params.multi_items())
    if request.method != "POST":
        return parameters
    media_type, _, options = (request.headers.get("content-type") or "").partition(";")
    media_type = media_type.strip().lower()
    if media_type == SPARQL_UPDATE:
        raise _update_refused()
    if media_type not in (SPARQL_QUERY, FORM):
        raise _Refusal(
            415,
            f"a POST to /sparql must have Content-Type {SPARQL_QUERY} (the body is the query) or {FORM} "
            f"(query=...), not {media_type or 'none'}",
        )
    if parameters.updates:
        raise _update_refused()
    if parameters.queries:
        raise _Refusal(400, "the query is both in the URL and in the body: send it in one place only")
    # A form can percent-encode every byte: allow three times the query size for it.
    limit = settings.query_max_request_bytes * (3 if media_type == FORM else 1) + 4096
    body = await read_body(request, limit, _too_long(settings))
    charset = _charset(options)
    try:
        if media_type == SPARQL_QUERY:
            parameters.queries.append(body.decode(charset))
        else:
            parameters.add(parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding=charset, errors="strict"))
    except (UnicodeDecodeError, LookupError) as error:
        raise _Refusal(400, f"the request body is not valid {charset} text: {error}") from None
    return parameters


def _charset(options: str) -> str:
    for option in options.split(";"):
        name, _, value = option.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
            try:
                return codecs.lookup(charset).name
            except LookupError:
                raise _Refusal(415, f"unknown charset {charset!r} in Content-Type: use UTF-8") from None
    return "utf-8"


def _check_graph_iri(iri: str) -> None:
    try:
        NamedNode(iri)
    except ValueError as error:
        raise _Refusal(400, f"default-graph-uri / named-graph-uri {iri!r} is not an absolute IRI: {error}") from None


# -- answers --------------------------------------------------------------------------------------------------


def _negotiate(
    accept: str | None, available: Sequence[str], override: str | None, default: str, needed: bool
) -> str | None:
    """The format for one kind of result; a 406 or 400 only if this kind is the one the query gives."""
    try:
        chosen = choose_format(accept, available, override=override, default=default)
    except UnknownFormatError as error:
        raise _Refusal(
            400, f"unknown format {error.value!r} (parameter format or output); use one of: " + ", ".join(error.allowed)
        ) from None
    if chosen is None and needed:
        raise _not_acceptable(available)
    return chosen


def _not_acceptable(available: Sequence[str]) -> _Refusal:
    return _Refusal(
        406,
        "none of the media types in Accept (or format=) can be produced for this request; available: "
        + ", ".join(available),
    )


def _update_refused() -> _Refusal:
    # 403, not 405: /sparql does accept POST (for queries), so the method is not what is refused (405 would also
    # have to list POST in Allow); the server understood the request and will not carry out an update. An update
    # sent as query= is not a query either, but the same 403 tells the client plainly what is going on.
    return _Refusal(
        403,
        "SPARQL Update is not accepted at /sparql, which only answers queries: partners send updates of their own "
        "graphs to /update with a write token (the hub's own data is loaded with `critmin load`).",
        policy_form="UPDATE",
    )


def _too_long(settings: Settings) -> _Refusal:
    return _Refusal(
        413,
        f"the query is longer than {settings.query_max_request_bytes} bytes (setting query_max_request_bytes)",
        policy_form="",
    )


def _query_error(error: QueryError, query: str) -> _Refusal:
    if isinstance(error, QuerySyntaxError):
        return _Refusal(400, _syntax_message(error, query))
    if isinstance(error, QueryTimeout):
        # 503, not 504: 504 says that an upstream server did not answer a gateway in time, and there is no
        # upstream here; this server stopped the query itself, by policy (the setting query_timeout_ms), and is
        # unable to serve it. 503 is also right when every worker was busy for that long. The body is an error,
        # never a truncated 200.
        return _Refusal(503, f"{error.message} (limit: {error.limit_ms} ms); try a narrower query")
    if isinstance(error, QueryResultTooLarge):
        return _Refusal(413, error.message)
    if isinstance(error, QueryUnavailable):
        return _Refusal(503, error.message)
    if isinstance(error, UpstreamFailed):  # 502: the store behind this service failed, not this service
        return _Refusal(502, f"the query could not be run: {error.message}")
    if isinstance(error, QueryFailed):
        return _Refusal(500, f"the query could not be evaluated: {error.message}")
    return _Refusal(500, error.message)


def _syntax_message(error: QuerySyntaxError, query: str) -> str:
    if error.line is None or error.column is None:
        return f"SPARQL syntax error: {error.message}"
    lines = query.splitlines()
    message = f"SPARQL syntax error at line {error.line}, column {error.column}: {error.message}"
    if 1 <= error.line <= len(lines):
        source = lines[error.line - 1]
        message += f"\n\n{source}\n{' ' * max(min(error.column - 1, len(source)), 0)}^"
    return message


async def _service_description(
    request: Request, runner: QueryRunner, settings: Settings, parameters: _Parameters, view: View
) -> Response:
    """A SPARQL 1.1 Service Description of this endpoint (https://www.w3.org/TR/sparql11-service-description/)."""
    override = parameters.formats[0] if parameters.formats else None
    media_type = _negotiate(request.headers.get("accept"), GRAPH_FORMATS, override, TURTLE, True)
    assert media_type is not None
    endpoint = _endpoint_url(request, settings)
    service, dataset, default_graph = BlankNode("service"), BlankNode("dataset"), BlankNode("default_graph")
    triples = [
        Triple(service, RDF_TYPE, sd("Service")),
        Triple(service, sd("endpoint"), NamedNode(endpoint)),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(service, sd("defaultEntailmentRegime"), NamedNode("http://www.w3.org/ns/entailment/Simple")),
    ]
    if settings.remote_endpoint_allowlist:
        triples.append(Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    triples += [Triple(service, sd("resultFormat"), NamedNode(W3C_FORMAT_IRIS[m])) for m in W3C_FORMAT_IRIS]
    triples += [
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, sd("Graph")),
    ]
    for number, name in enumerate(await _graph_names(runner, view, client_key(request))):
        named_graph = BlankNode(f"graph{number}")
        triples += [
            Triple(dataset, sd("namedGraph"), named_graph),
            Triple(named_graph, RDF_TYPE, sd("NamedGraph")),
            Triple(named_graph, sd("name"), NamedNode(name)),
        ]
    body = serialize(triples, format=RdfFormat.from_media_type(media_type), prefixes={"sd": SD})
    return Response(body, headers={"Content-Type": content_type(media_type), **_VARY})


async def _graph_names(runner: QueryRunner, view: View, client: str) -> list[str]:
    """The named graphs the caller may read, or none when listing them fails or takes too long (they are optional)."""
    try:
        result = await runner.execute(QueryRequest(LIST_GRAPHS, results_format=SPARQL_JSON, form="SELECT"),
                                      snapshot=view.snapshot, client=client)
    except QueryError:
        return []
    bindings = json.loads(result.body)["results"]["bindings"]
    return [row["g"]["value"] for row in bindings[:MAX_LISTED_GRAPHS] if row.get("g", {}).get("type") == "uri"]


def sd(name: str) -> NamedNode:
    """A term of the Service Description vocabulary."""
    return NamedNode(SD + name)


def _endpoint_url(request: Request, settings: Settings) -> str:
    url = request.url_for("sparql_endpoint")
    if settings.base_url:
        return settings.base_url.rstrip("/") + url.path
    return str(url)

"""The `critmin` command: load, query, serve, stats, feeds, extraction, partners and their API tokens."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from kg.settings import Settings, load_settings

if TYPE_CHECKING:  # the commands import what they need when they run, to start quickly
    from kg.query_runner import QueryRequest, QueryResult
    from kg.store import GraphStore

OUTPUT_MEDIA_TYPES = {"table": "application/sparql-results+json", "json": "application/sparql-results+json",
                      "csv": "text/csv"}


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(store=getattr(args, "store", None), host=getattr(args, "host", None),
                         port=getattr(args, "port", None), query_timeout_ms=getattr(args, "timeout_ms", None),
                         accounts_db=getattr(args, "accounts_db", None))


def _target(settings: Settings) -> str:
    """Where the store is, for messages: its folder, or the remote server's query URL."""
    return settings.remote_query_url if settings.store_backend == "remote" else str(settings.store)


def _open_for_reading(settings: Settings) -> GraphStore:
    """The store to read: the embedded one read-only (a server may hold it), or the remote server."""
    from kg.store import open_remote_store, open_store_read_only

    if settings.store_backend == "remote":
        return open_remote_store(settings)
    return open_store_read_only(settings.store)


def _fail(message: str) -> int:
    print(f"critmin: error: {message}", file=sys.stderr)
    return 2


def cmd_load(args: argparse.Namespace) -> int:
    from kg.loading import LoadReport, load_bundled, load_rdf_files
    from kg.store import open_configured_store

    settings = _settings(args)
    store = open_configured_store(settings)
    clock = time.perf_counter()

    step_clock = [time.perf_counter()]

    def start(name: str) -> None:
        step_clock[0] = time.perf_counter()
        if sys.stdout.isatty():  # a line that the result overwrites; pointless in a log
            print(f"  {name:<28} reading…", end="\r", flush=True)

    def show(name: str, report: LoadReport) -> None:
        seconds = time.perf_counter() - step_clock[0]  # reading and mapping included, not only the write
        rate = report.triples / seconds if seconds else 0.0
        rejected = f", {report.rejected_rows} with problems" if report.rejected_rows else ""
        print(f"  {name:<28} {report.triples:>9,} triples  {report.records_read:>7,} records{rejected}"
              f"  {seconds:6.2f} s  ({rate:,.0f} triples/s)", flush=True)
        for problem in report.problems[:args.show_problems]:
            print("      " + _describe(problem))
        if len(report.problems) > args.show_problems:
            more = len(report.problems) - args.show_problems
            print(f"      … and {more} more (`critmin feed status {name}` lists all)")

    print(f"Loading into {_target(settings)}", flush=True)
    if args.files:
        name = args.graph or _graph_name_from(args.files[0])
        reports = [load_rdf_files(store, args.files, graph_name=name, title=args.title or name,
                                  license_url=args.license)]
        show(name, reports[0])
    else:
        reports = load_bundled(store, progress=show, starting=start)
    store.flush()
    seconds = time.perf_counter() - clock
    triples = sum(r.triples for r in reports)
    rejected = sum(r.rejected_rows for r in reports)
    print(f"Loaded {len(reports)} graph(s), {triples:,} triples in {seconds:.2f} s "
          f"({triples / seconds:,.0f} triples/s); {rejected} row(s) with problems.")
    _refresh_analytics(store)  # indicators follow their sources: a load may change their inputs
    store.flush()
    if settings.store_backend == "remote":
        return 0  # a server compacts its own storage
    clock = time.perf_counter()
    # compacted once here rather than in the background while serving: at 10M triples the store answered the
    # benchmark's mix at 1.8 queries/s before and 5.3 after (bench/run.py)
    store.optimize()
    print(f"Compacted the store in {time.perf_counter() - clock:.1f} s.")
    return 0


def _recompute_analytics(store: object, *, out: TextIO | None = None) -> None:
    from kg.analytics.materialise import materialise

    out = out or sys.stdout
    print("Recomputing indicators", file=out, flush=True)
    report = materialise(store, progress=lambda name, count: print(f"  {name:<28} {count:>9,}", file=out, flush=True))
    print(f"Indicators: {report.concentration} concentration, {report.import_reliance} import reliance, "
          f"{report.list_overlap} list overlap; {report.triples:,} triples from {len(report.input_graphs)} graph(s) "
          f"in {report.seconds:.2f} s into cmg:analytics.", file=out)


def _refresh_summaries(store: object, *, out: TextIO) -> None:
    """The hub summaries count every hub graph: a write the indicators do not read (facilities, documents) still
    makes them stale, and the pages slow until they are recomputed."""
    from kg.hub_summaries import materialise_summaries, summaries_status

    if summaries_status(store).fresh:
        return
    print("Hub summaries stale; recomputing", file=out, flush=True)
    done = materialise_summaries(store)
    print(f"Hub summaries: {done.hubs:,} hubs in {done.seconds:.2f} s into cmg:summaries.", file=out)


def _refresh_analytics(store: object, *, out: TextIO | None = None) -> None:
    """The last step of every command that writes hub graphs: recompute the indicators if a graph they read (or
    could read) changed, else say they are current. ``out``: stderr where stdout carries a command's data."""
    from kg.analytics.freshness import analytics_status

    out = out or sys.stdout
    status = analytics_status(store)
    # a store never analysed gets its (perhaps empty) indicators graph all the same: a load always leaves one
    if status.fresh and status.last_run is not None:
        print(f"Indicators already current ({status.reason}; checked in {status.seconds * 1000:.1f} ms).", file=out)
        _refresh_summaries(store, out=out)
        return
    why = "; ".join(status.differences) or "never computed"
    print(f"Indicators stale: {why} (checked in {status.seconds * 1000:.1f} ms).", file=out, flush=True)
    _recompute_analytics(store, out=out)


def cmd_analytics(args: argparse.Namespace) -> int:
    from kg.store import open_configured_store

    settings = _settings(args)
    store = open_configured_store(settings)
    _recompute_analytics(store)
    store.flush()
    return 0


def _graph_name_from(path: Path) -> str:
    from kg.iris import slug

    return slug(path.name.split(".")[0]) or "upload"


def cmd_query(args: argparse.Namespace) -> int:
    from kg.query_runner import QueryRequest, QueryRunner

    settings = _settings(args)
    text = args.query
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    media_type = OUTPUT_MEDIA_TYPES[args.format]
    request = QueryRequest(text, results_format=media_type, graph_format="text/turtle")
    if settings.store_backend == "remote":
        result = asyncio.run(_remote_query(settings, request))
    else:
        if not (settings.store / "CURRENT").exists():
            return _fail(f"no store at {settings.store}: run `critmin load` first")
        runner = QueryRunner(snapshot=settings.store, workers=1, timeout_ms=settings.query_timeout_ms,
                             max_result_bytes=settings.query_max_result_bytes)
        try:
            result = asyncio.run(runner.execute(request))
        finally:
            runner.close()
    if args.format == "table" and result.kind != "graph":
        print(_as_table(json.loads(result.body)))
    else:
        sys.stdout.write(result.body.decode("utf-8"))
    return 0


async def _remote_query(settings: Settings, request: QueryRequest) -> QueryResult:
    from kg.remote_query_runner import RemoteQueryRunner

    runner = RemoteQueryRunner(query_url=settings.remote_query_url, timeout_ms=settings.query_timeout_ms,
                               max_result_bytes=settings.query_max_result_bytes, auth=settings.remote_auth)
    try:
        return await runner.execute(request)
    finally:
        await runner.aclose()


def _as_table(results: dict) -> str:
    if "boolean" in results:
        return "true" if results["boolean"] else "false"
    names = results["head"]["vars"]
    rows = [[binding.get(n, {}).get("value", "") for n in names] for binding in results["results"]["bindings"]]
    widths = [min(60, max([len(n), *(len(r[i]) for r in rows)])) for i, n in enumerate(names)]
    out = io.StringIO()
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))
    out.write(line + "\n" + "  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        cells = [(v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(row, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return out.getvalue()


def cmd_serve(args: argparse.Namespace) -> int:
    from api.serving import serve

    settings = _settings(args)
    print(f"critmin serving {_target(settings)} on http://{settings.host}:{settings.port}/ (SPARQL at /sparql)")
    serve(settings)  # logs as log_format says; on SIGTERM, requests in flight get shutdown_grace_s to finish
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from kg.catalog import list_catalog

    settings = _settings(args)
    store = _open_for_reading(settings)
    entries = list_catalog(store)
    if args.format == "json":
        print(json.dumps([entry.__dict__ for entry in entries], indent=2))
        return 0
    writer = csv.writer(sys.stdout, delimiter="\t") if args.format == "tsv" else None
    header = ["graph", "triples", "records", "rejected", "loaded", "licence"]
    if writer:
        writer.writerow(header)
    else:
        print(f"{'graph':<58} {'triples':>9} {'records':>8} {'rejected':>8}  loaded")
    for e in entries:
        if writer:
            writer.writerow([e.graph, e.triples, e.records, e.rejected, e.modified or "", e.license or ""])
        else:
            print(f"{e.graph:<58} {e.triples:>9,} {e.records:>8,} {e.rejected:>8,}  {(e.modified or '')[:19]}")
    if not writer:
        print(f"{len(entries)} graphs, {sum(e.triples for e in entries):,} triples in all; store: {_target(settings)}, "
              f"{len(store):,} quads including the catalog")
    return 0


def _describe(problem: object) -> str:
    file = getattr(problem, "file", None)
    where = (f"{Path(str(file)).name}:" if file else "") + f"row {problem.row}"  # type: ignore[attr-defined]
    column = getattr(problem, "column", None)
    value = getattr(problem, "value", None)
    return (f"{where}" + (f", column {column}" if column else "") + (f", value {value!r}" if value else "")
            + f": {problem.reason}")  # type: ignore[attr-defined]


def cmd_feed_list(args: argparse.Namespace) -> int:
    from extractors.feeds.registry import FEEDS

    for name, feed in FEEDS.items():
        print(f"{name}\t{feed.description}\t(reads {_relative(feed.default_file)})")
    return 0


def _relative(path: Path) -> str:
    from kg.settings import PROJECT_ROOT

    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def cmd_feed_validate(args: argparse.Namespace) -> int:
    """Map the file without loading it and report every row that cannot be mapped; exit 1 when there is one."""
    from collections import Counter

    from extractors.feeds.registry import get_feed

    feed = get_feed(args.name)
    source = args.file or feed.default_file
    print(f"Validating {_relative(source)} with feed {feed.name} (nothing is written)", flush=True)
    clock = time.perf_counter()
    output = feed.read(source)
    for problem in output.problems:
        print("  " + _describe(problem))
    reasons = Counter(p.reason.split(":")[0] for p in output.problems)
    rejected = len({(getattr(p, "file", None), p.row) for p in output.problems})
    print(f"{output.records_read:,} records read, {len(output.triples):,} triples mapped, "
          f"{len(output.problems)} problem(s) in {rejected} row(s) ({time.perf_counter() - clock:.2f} s)")
    for reason, count in reasons.most_common():
        print(f"  {count:>5} x {reason}")
    return 1 if output.problems else 0


def cmd_feed_load(args: argparse.Namespace) -> int:
    from extractors.feeds.registry import get_feed
    from kg.loading import load_feed
    from kg.store import open_configured_store

    settings = _settings(args)
    feed = get_feed(args.name)
    source = args.file or feed.default_file
    store = open_configured_store(settings)
    print(f"Loading {_relative(source)} with feed {feed.name} into {_target(settings)}"
          + (" (strict: any problem rejects the whole file)" if args.strict else ""), flush=True)
    report = load_feed(store, feed, args.file, strict=args.strict)
    store.flush()
    for problem in report.problems[: args.show_problems]:
        print("  " + _describe(problem))
    if len(report.problems) > args.show_problems:
        print(f"  … {len(report.problems) - args.show_problems} more: `critmin feed status {feed.name}` lists all")
    print(f"Loaded {report.graph}: {report.triples:,} triples from {report.records_read:,} records, "
          f"{report.rejected_rows} row(s) with problems, in {report.seconds:.2f} s")
    _refresh_analytics(store)
    store.flush()
    return 0


def cmd_feed_status(args: argparse.Namespace) -> int:
    from pyoxigraph import NamedNode

    from kg.catalog import list_catalog, list_problems

    settings = _settings(args)
    store = _open_for_reading(settings)
    entries = list_catalog(store)
    if args.name:
        entries = [e for e in entries if e.graph.rsplit("/", 1)[-1] == args.name]
        if not entries:
            return _fail(f"nothing loaded under the name {args.name!r}; `critmin feed status` lists what is")
    for entry in entries:
        print(f"{entry.graph.rsplit('/', 1)[-1]}: {entry.records:,} records read, {entry.triples:,} triples, "
              f"{entry.rejected} row(s) with problems, loaded {entry.modified or '?'}")
        problems = list_problems(store, NamedNode(entry.graph))
        for problem in problems if args.name else problems[:3]:
            print("    " + _describe(problem))
        if not args.name and len(problems) > 3:
            print(f"    … {len(problems) - 3} more (`critmin feed status {entry.graph.rsplit('/', 1)[-1]}`)")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    """Run the NLP pipeline over files or folders; --json prints one object per document (issue 5's shape)."""
    from extractors.documents import read_documents
    from extractors.nlp.external import ExternalPipelineError
    from extractors.nlp.pipeline import extract_document, load_pipeline, load_pipeline_over
    from kg.store import open_configured_store

    settings = _settings(args)
    store = None
    try:
        if settings.store_backend == "remote":  # the graph's labels come from the server: no folder to cache by
            store = open_configured_store(settings) if args.load else _open_for_reading(settings)
            nlp = load_pipeline_over(store, ner_pipeline=settings.nlp_ner_pipeline)
            store = store if args.load else None
        else:
            nlp = load_pipeline(settings.store, ner_pipeline=settings.nlp_ner_pipeline)
    except ExternalPipelineError as e:
        return _fail(str(e))
    if args.load:
        from kg.document_facts import load_document_facts

        if store is None:
            store = open_configured_store(settings)

    results = []
    skipped = 0
    for document in read_documents(args.paths):
        if isinstance(document, Exception):
            print(f"critmin: skipped: {document}", file=sys.stderr)
            skipped += 1
            continue
        doc = nlp(document.text)
        # the JSON names a document by its file stem, as the format and our gold files do
        stem = Path(document.source_path).stem if document.source_path else document.doc_id
        results.append(extract_document(nlp, stem, document.text, doc=doc))
        if store is not None:
            report = load_document_facts(store, document, doc._.mentions or [], doc._.facts or [])
            print(f"critmin: {document.doc_id}: {len(doc._.facts or [])} candidate facts into {report.graph}",
                  file=sys.stderr)
    linked = sum(1 for r in results for e in r["entities"] if "iri" in e)
    entities = sum(len(r["entities"]) for r in results)
    print(f"critmin: {len(results)} documents read, {skipped} skipped; {entities} entities ({linked} linked to the "
          f"graph, {entities - linked} new candidates), {sum(len(r['relations']) for r in results)} candidate facts"
          + (f", each document's into its graph doc-{{id}} of {_target(settings)}" if store is not None else ""),
          file=sys.stderr)
    if store is not None:  # stdout may carry the JSON: the indicators report on stderr
        _refresh_analytics(store, out=sys.stderr)
        store.flush()
    if args.json:
        shaped = [{**r, "entities": [{k: e[k] for k in ("type", "name", "mentions")} for e in r["entities"]]}
                  for r in results]
        print(json.dumps(shaped, indent=2, ensure_ascii=False))
        return 0
    for result in results:
        print(f"{result['doc_id']}: {len(result['entities'])} entities, {len(result['relations'])} relations")
        for entity in result["entities"]:
            link = " (new)" if "iri" not in entity else ""
            print(f"  {entity['type']:<13} {entity['name']}{link}")
        for relation in result["relations"]:
            details = ", ".join(f"{k}={v}" for k, v in relation["attributes"].items())
            print(f"  {relation['subject']} -{relation['type']}-> {relation['object']}"
                  + (f" [{details}]" if details else ""))
    return 0


def cmd_partner_add(args: argparse.Namespace) -> int:
    from kg.accounts import add_partner
    from kg.iris import partner as partner_iri

    settings = _settings(args)
    partner = add_partner(settings.accounts_db, args.slug, name=args.name, homepage=args.homepage)
    iri = partner_iri(partner.slug, base=settings.public_base_iri).value
    print(f"Added partner {partner.slug} ({partner.name}), {iri}; "
          f"`critmin token create {partner.slug} --scopes read` gives it a token")
    return 0


def cmd_partner_list(args: argparse.Namespace) -> int:
    from kg.accounts import list_partners

    partners = list_partners(_settings(args).accounts_db)
    for partner in partners:
        print(f"{partner.slug}\t{partner.name}\t{partner.homepage or '-'}\tadded {partner.created_at}")
    print(f"{len(partners)} partner(s)", file=sys.stderr)
    return 0


def cmd_partner_remove(args: argparse.Namespace) -> int:
    from kg.accounts import remove_partner

    revoked = remove_partner(_settings(args).accounts_db, args.slug)
    print(f"Removed partner {args.slug}; {revoked} active token(s) revoked")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from kg.accounts import create_token

    token, full = create_token(_settings(args).accounts_db, args.partner, scopes=args.scopes, label=args.label)
    print(f"Token {token.id} for {token.partner}, scopes {','.join(sorted(token.scopes))}:", file=sys.stderr)
    print(full)  # alone on stdout, so `critmin token create … > file` keeps just the token
    print("Copy it now: it will not be shown again (only its hash is stored). Send it as the header "
          "'Authorization: Bearer <token>'.", file=sys.stderr)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from kg.accounts import list_tokens

    tokens = list_tokens(_settings(args).accounts_db, args.partner)
    for token in tokens:
        state = f"revoked {token.revoked_at}" if token.revoked_at else "active"
        print(f"{token.id}\t{token.partner}\t{','.join(sorted(token.scopes))}\t{token.label or '-'}"
              f"\tcreated {token.created_at}\t{state}")
    print(f"{len(tokens)} token(s); secrets are never stored, so none can be shown", file=sys.stderr)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from kg.accounts import revoke_token

    token = revoke_token(_settings(args).accounts_db, args.token_id)
    print(f"Token {token.id} of {token.partner} is revoked (since {token.revoked_at})")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Back the store and accounts database up into a new folder, while `critmin serve` runs or not."""
    import os

    from kg.backup import backup, checkpoint_from_server

    settings = _settings(args)
    if settings.store_backend == "remote":
        return _fail("the store is a remote SPARQL server: back it up with that server's own tool (e.g. oxigraph "
                     "backup); critmin backup copies the embedded store and the accounts database")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = args.url or f"http://{host}:{settings.port}"  # where it listens here, not the public base_url
    token = args.token or os.environ.get("CRITMIN_TOKEN")
    done = backup(settings.store, settings.accounts_db, args.target, progress=lambda line: print(line, flush=True),
                  checkpoint_from_server=lambda: checkpoint_from_server(url, token))
    accounts = f"{done.accounts_bytes:,} bytes of accounts" if done.accounts_bytes is not None else "no accounts"
    print(f"Backup complete: {done.folder}: {done.store.graphs:,} graphs, {done.store.quads:,} quads, {accounts}, "
          f"taken {'by the running server' if done.via_server else 'directly'} in {done.seconds:.2f} s")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup in place of the store and accounts database; the server must be stopped."""
    from kg.backup import restore

    settings = _settings(args)
    if settings.store_backend == "remote":
        return _fail("the store is a remote SPARQL server: restore it with that server's own tool")
    done = restore(args.backup, settings.store, settings.accounts_db, progress=lambda line: print(line, flush=True))
    accounts = f"{done.accounts_bytes:,} bytes of accounts" if done.accounts_bytes is not None else "no accounts"
    print(f"Restore complete: {settings.store} and {settings.accounts_db} are the backup of {done.created} "
          f"({done.folder}): {done.store.graphs:,} graphs, {done.store.quads:,} quads, {accounts}, "
          f"in {done.seconds:.2f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="critmin", description="Critical-mineral supply-chain knowledge graph.")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--store", type=Path, help="store folder (setting `store`, env CRITMIN_STORE)")
        return sub

    load = command("load", "Load the bundled data (no FILES) or RDF files into named graphs, atomically.")
    load.add_argument("files", nargs="*", type=Path, help="RDF files (.ttl .nt .nq .trig .rdf .jsonld) as one graph")
    load.add_argument("--graph", help="graph name for FILES (default: the first file's name)")
    load.add_argument("--title", help="catalog title for FILES")
    load.add_argument("--license", help="licence IRI for FILES, recorded in the catalog")
    load.add_argument("--show-problems", type=int, default=5, help="rejected rows to print per source (default 5)")
    load.set_defaults(run=cmd_load)

    analytics = command("analytics", "Recompute the indicators (concentration, import reliance, list overlap) into "
                                     "the graph cmg:analytics, atomically.")
    analytics.set_defaults(run=cmd_analytics)

    query = command("query", "Run a SPARQL query against the store (QUERY, @file or - for stdin).")
    query.add_argument("query")
    query.add_argument("--format", choices=sorted(OUTPUT_MEDIA_TYPES), default="table")
    query.add_argument("--timeout-ms", type=int, help="time limit (setting query_timeout_ms)")
    query.set_defaults(run=cmd_query)

    serve = command("serve", "Serve the SPARQL endpoint and pages over HTTP.")
    serve.add_argument("--host", help="listen address (setting host)")
    serve.add_argument("--port", type=int, help="listen port (setting port)")
    serve.set_defaults(run=cmd_serve)

    feed = commands.add_parser("feed", help="Structured feeds: list, validate, load, status.")
    feed_commands = feed.add_subparsers(dest="feed_command", required=True)

    def feed_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = feed_commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--store", type=Path, help="store folder (setting `store`, env CRITMIN_STORE)")
        return sub

    feed_command("list", "The feeds, one per line, with what each reads.").set_defaults(run=cmd_feed_list)
    validate = feed_command("validate", "Map a source file without loading it; report every row it cannot map.")
    validate.add_argument("name")
    validate.add_argument("file", nargs="?", type=Path, help="default: the feed's bundled file")
    validate.set_defaults(run=cmd_feed_validate)
    feed_load = feed_command("load", "Load a source file (a newer release loads the same way) into its graph.")
    feed_load.add_argument("name")
    feed_load.add_argument("file", nargs="?", type=Path, help="default: the feed's bundled file")
    feed_load.add_argument("--strict", action="store_true", help="reject the whole file if any row has a problem")
    feed_load.add_argument("--show-problems", type=int, default=10, help="problems to print (default 10)")
    feed_load.set_defaults(run=cmd_feed_load)
    status = feed_command("status", "What is loaded, when, how many rows, how many rejected and why.")
    status.add_argument("name", nargs="?", help="one feed, with all its problems")
    status.set_defaults(run=cmd_feed_status)

    accounts_help = "accounts file (setting `accounts_db`, env CRITMIN_ACCOUNTS_DB)"
    partner = commands.add_parser("partner", help="Data partners: add, list, remove.")
    partner_commands = partner.add_subparsers(dest="partner_command", required=True)
    token = commands.add_parser("token", help="Partners' API tokens: create, list, revoke.")
    token_commands = token.add_subparsers(dest="token_command", required=True)

    def accounts_command(group: argparse._SubParsersAction, name: str, help_text: str) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--accounts-db", type=Path, help=accounts_help)
        return sub

    partner_add = accounts_command(partner_commands, "add", "Add a partner (an organisation that shares data).")
    partner_add.add_argument("slug", help="short key, 2-40 characters a-z 0-9 -; part of the partner's IRI")
    partner_add.add_argument("--name", required=True, help="the organisation's name")
    partner_add.add_argument("--homepage", help="the organisation's web site (http:// or https://)")
    partner_add.set_defaults(run=cmd_partner_add)
    accounts_command(partner_commands, "list", "The partners, one per line.").set_defaults(run=cmd_partner_list)
    partner_remove = accounts_command(partner_commands, "remove", "Remove a partner and revoke all its tokens.")
    partner_remove.add_argument("slug")
    partner_remove.set_defaults(run=cmd_partner_remove)

    token_create = accounts_command(token_commands, "create", "Create an API token; it is printed once, never again.")
    token_create.add_argument("partner", help="the partner's slug")
    token_create.add_argument("--scopes", required=True, help="comma-separated: read, write (own graphs), admin")
    token_create.add_argument("--label", default="", help="what the token is for, e.g. the machine using it")
    token_create.set_defaults(run=cmd_token_create)
    token_list = accounts_command(token_commands, "list", "Tokens (revoked too), without their secrets.")
    token_list.add_argument("partner", nargs="?", help="only this partner's")
    token_list.set_defaults(run=cmd_token_list)
    token_revoke = accounts_command(token_commands, "revoke", "Revoke a token for good.")
    token_revoke.add_argument("token_id", help="the id shown by `critmin token list` (the part after cm_)")
    token_revoke.set_defaults(run=cmd_token_revoke)

    extract = command("extract", "Extract entities and candidate facts from documents (files or folders).")
    extract.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_FOLDER")
    extract.add_argument("--json", action="store_true", help="print a JSON array, one object per document")
    extract.add_argument("--load", action="store_true",
                         help="also write each document's candidate facts, with evidence, into its own graph doc-{id}")
    extract.set_defaults(run=cmd_extract)

    backup = command("backup", "Copy the store and the accounts database into a new folder, consistently, while "
                               "`critmin serve` runs (it makes the checkpoint) or not.")
    backup.add_argument("target", type=Path, help="a new (or empty) folder")
    backup.add_argument("--accounts-db", type=Path, help=accounts_help)
    backup.add_argument("--url", help="the running server's address (default: http://host:port of the settings)")
    backup.add_argument("--token", help="an admin token for the running server (default: env CRITMIN_TOKEN)")
    backup.set_defaults(run=cmd_backup)
    restore = command("restore", "Replace the store and the accounts database with a backup (stop the server "
                                 "first); the backup is checked against its manifest before anything changes.")
    restore.add_argument("backup", type=Path, help="a folder made by `critmin backup`")
    restore.add_argument("--accounts-db", type=Path, help=accounts_help)
    restore.set_defaults(run=cmd_restore)

    stats = command("stats", "What the store holds, graph by graph, from the catalog.")
    stats.add_argument("--format", choices=["text", "tsv", "json"], default="text")
    stats.set_defaults(run=cmd_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    from extractors.feeds.base import FeedError
    from extractors.feeds.registry import UnknownFeedError
    from kg.accounts import AccountError
    from kg.backup import BackupError
    from kg.loading import LoadError
    from kg.query_runner import QueryError
    from kg.remote_store import RemoteStoreError
    from kg.store import StoreLockedError, StoreMissingError, StoreUnavailableError

    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (LoadError, QueryError, StoreLockedError, StoreMissingError, StoreUnavailableError, RemoteStoreError,
            FeedError, UnknownFeedError, AccountError, BackupError, OSError) as error:
        return _fail(getattr(error, "message", None) or str(error))


if __name__ == "__main__":
    sys.exit(main())

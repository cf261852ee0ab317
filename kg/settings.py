"""All settings of critmin, in one object.

Each can be set by an environment variable named ``CRITMIN_`` + the setting's name in capitals
(``CRITMIN_STORE``, ``CRITMIN_QUERY_TIMEOUT_MS``) and most by a CLI flag; the README documents each one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def ontology_dir() -> Path:
    """The folder of the ontology's Turtle files: ``ontology/`` in a checkout, the package critmin_ontology once
    installed."""
    try:
        import critmin_ontology
    except ImportError:
        return PROJECT_ROOT / "ontology"
    return Path(critmin_ontology.__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRITMIN_", extra="ignore")

    store: Path = Field(
        default=PROJECT_ROOT / "var" / "store",
        description="Folder of the embedded Oxigraph (RocksDB) store; created when missing.",
    )
    store_backend: Literal["embedded", "remote"] = Field(
        default="embedded",
        description=(
            "Where the graph lives: `embedded` (the pyoxigraph store in `store`) or `remote` (a SPARQL 1.1 Query + "
            "Update (+ Graph Store) server at remote_query_url, remote_update_url, remote_gsp_url)."
        ),
    )
    remote_query_url: str = Field(default="", description="SPARQL query endpoint of the remote store.")
    remote_update_url: str = Field(default="", description="SPARQL update endpoint of the remote store.")
    remote_gsp_url: str = Field(
        default="",
        description="Graph Store Protocol endpoint of the remote store; empty: none (loads go through INSERT DATA).",
    )
    remote_username: str = Field(
        default="",
        description=("User name for HTTP basic authentication on every request to the remote store (a reverse proxy "
                     "in front of it, say); empty: none."),
    )
    remote_password: SecretStr = Field(
        default=SecretStr(""),
        description="Password of remote_username (CRITMIN_REMOTE_PASSWORD); never shown in logs, errors or settings.",
    )
    remote_union_default_graph: bool = Field(
        default=True,
        description="Whether the remote server's default graph is the union of its graphs, as the service needs.",
    )
    remote_timeout_s: float = Field(
        default=60.0, gt=0,
        description="Client-side limit of one request to the remote store from in-process reads and writes.",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Folder of the bundled source data that `critmin load` reads.",
    )
    accounts_db: Path = Field(
        default=PROJECT_ROOT / "var" / "accounts.sqlite3",
        description=(
            "SQLite file of partners and API tokens (only hashes of the tokens' secrets); created on first use by "
            "`critmin partner`/`critmin token`."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP server listens on.")
    port: int = Field(default=8000, description="Port the HTTP server listens on.")
    base_url: str = Field(
        default="",
        description="Public URL of the service, e.g. https://critmin.example.org; empty: taken from each request.",
    )
    query_timeout_ms: int = Field(
        default=30_000, ge=1, description="Wall-clock limit of one SPARQL query; past it the query is killed."
    )
    query_workers: int = Field(
        # More workers than cores, so that a look-up does not queue behind long scans: 4 instead of 2 gave 51.5
        # instead of 42.0 queries/s and p50 26 instead of 66 ms on the benchmark's mix at 1M (bench/profile_layers.py)
        default=4, ge=1,
        description=("Worker processes that run SPARQL queries (each query runs in one of them); with the remote "
                     "backend, the queries sent to its server at once."),
    )
    query_workers_per_client: int = Field(
        # Ten runaway queries from one client held all 4 workers until their deadlines with a single queue: the
        # cap keeps the others' look-ups moving (make stress measures the p95 with and without them)
        default=0, ge=0,
        description=(
            "Most query workers one client (a partner's token, or an address for anonymous callers) holds at once; "
            "its further queries wait their turn while other clients' go ahead. 0: half of query_workers, rounded up."
        ),
    )
    query_quick_workers: int = Field(
        # ten clients with a runaway query each held all four main workers until their deadlines, and look-ups
        # waited behind them (make stress measures the look-ups' p95 beside them, with and without quick workers)
        default=2, ge=0,
        description=(
            "Further query workers that take a query only while every main worker is taken, and only for "
            "query_quick_limit_ms of CPU time: past it the query waits for a main worker instead. Clients seen "
            "running longer queries lately wait for the main workers only. Embedded backend only; 0: none."
        ),
    )
    query_quick_limit_ms: int = Field(
        default=1000, ge=1,
        description=("CPU time a query may use on a quick worker (query_quick_workers) before it waits for a main "
                     "one; it may take twice that of wall-clock time."),
    )
    query_max_result_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        description="Largest serialised SPARQL result sent back; a larger one is refused with an error, not cut.",
    )
    query_max_request_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest SPARQL query text accepted, in bytes."
    )
    malloc_arena_max: int = Field(
        default=2, ge=0,
        description=("Most malloc arenas of `critmin serve` (glibc): fewer arenas keep less free memory apart "
                     "(api/allocator.py); 0: glibc's default of eight per core."),
    )
    request_max_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description=(
            "Largest request body of a route without a limit of its own (the forms of /reconcile and /review, JSON "
            "bodies), in bytes; a larger one is refused with 413 once that much has arrived, before it is parsed. "
            "SPARQL, uploads and documents have their own (query_max_request_bytes, upload_max_bytes, "
            "document_max_upload_bytes)."
        ),
    )
    upload_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        description=(
            "Largest body accepted by /store uploads (an RDF graph, or a spreadsheet and its mapping), in bytes; a "
            "larger one is refused with 413 before anything is parsed."
        ),
    )
    public_base_iri: str = Field(
        default="https://w3id.org/critmin/",
        description="Base of the IRIs this service publishes; IRIs under it (id/, ontology/, graph/) are served here.",
    )
    map_tile_url: str = Field(
        default="",
        description=(
            "Leaflet tile URL template for maps, e.g. https://tile.example.org/{z}/{x}/{y}.png; empty: maps draw a "
            "vector world base map served by critmin itself and fetch no tiles."
        ),
    )
    document_max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024,
        description="Largest document accepted by POST /documents; a larger one is refused with 413.",
    )
    nlp_ner_pipeline: str = Field(
        default="",
        description=(
            "Name or folder of an installed spaCy pipeline whose entity recogniser adds the entities our patterns "
            "miss (its ORG, GPE, LOC, FAC labels); empty: our own components only. Nothing is downloaded."
        ),
    )
    reconcile_batch_max_queries: int = Field(
        default=500,
        ge=1,
        description=(
            "Most reconciliation queries in one batch (the manifest's batchSize); a larger batch is refused with 413."
        ),
    )
    dashboard_watched_commodities: list[str] = Field(
        default_factory=lambda: ["lithium", "cobalt", "nickel", "graphite", "rare-earth-elements"],
        description=(
            "Commodity keys the dashboard's events feed shows when a request names none, as a JSON list; narrower "
            "commodities (natural-graphite under graphite) are included."
        ),
    )
    events_feed_max_entries: int = Field(
        default=50, ge=1,
        description="Most events one response of /dashboard/events (JSON or Atom) holds; a larger limit is capped.",
    )
    remote_endpoint_allowlist: list[str] = Field(
        default_factory=list,
        description=(
            "Endpoint IRIs that SERVICE (and LOAD) may reach, as a JSON list; an entry ending in '*' allows every "
            "IRI that starts with what precedes it. Empty: every SERVICE and LOAD is refused."
        ),
    )
    metrics_require_admin: bool = Field(
        default=False,
        description=(
            "Whether GET /metrics needs an admin token; off: open like the rest of the read side (it shows counts and "
            "timings, no data and no identities)."
        ),
    )
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="How `critmin serve` writes its log lines to stderr: one JSON object per line, or plain text.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="The least severe log lines `critmin serve` writes (info: one per request)."
    )
    shutdown_grace_s: float = Field(
        # under the 30 s that Kubernetes and systemd give by default before they kill, leaving time to clean up
        default=20.0, ge=0,
        description=(
            "Seconds that requests in flight get to finish once `critmin serve` is told to stop (SIGTERM, Ctrl-C); "
            "past them they are cancelled and a write still running is cut off, to be removed whole at the next start."
        ),
    )
    rate_limit_per_s: float = Field(
        default=20.0, ge=0,
        description=(
            "Requests per second each client (a partner's token, or an address) may send on average; past its burst, "
            "429 with Retry-After. 0: no limit. /healthz, /readyz and /metrics are never limited."
        ),
    )
    rate_limit_burst: int = Field(
        default=200, ge=0,
        description="Requests a client may send at once above rate_limit_per_s before it is limited. 0: no limit.",
    )

    @property
    def remote_auth(self) -> tuple[str, str] | None:
        """The remote store's basic-auth credentials, or None."""
        return (self.remote_username, self.remote_password.get_secret_value()) if self.remote_username else None

    @model_validator(mode="after")
    def _remote_needs_urls(self) -> Settings:
        if self.store_backend == "remote":
            missing = [name for name in ("remote_query_url", "remote_update_url") if not getattr(self, name)]
            if missing:
                raise ValueError(
                    f"store_backend is 'remote' but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                    "empty: set CRITMIN_REMOTE_QUERY_URL and CRITMIN_REMOTE_UPDATE_URL (e.g. "
                    "http://127.0.0.1:7878/query and /update for `oxigraph serve`)"
                )
            if not self.remote_union_default_graph:
                raise ValueError(
                    "store_backend is 'remote' but remote_union_default_graph is false: the service reads the union "
                    "of all graphs, so the server must be configured with a union default graph "
                    "(oxigraph serve --union-default-graph; docs/remote-store.md)"
                )
        return self


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit values (e.g. CLI flags) taking precedence."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})

"""Partners and their API tokens, kept in a SQLite file (the setting ``accounts_db``).

A token is shown once as ``cm_<id>_<secret>``; only the SHA-256 of the secret is stored, so a copy of the file
grants nothing. Every function opens its own connection, so callers in different threads never share one.

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "accounts.sqlite3"
>>> add_partner(db, "bgs", name="British Geological Survey").slug
'bgs'
>>> token, full = create_token(db, "bgs", scopes=["read"], label="notebook")
>>> authenticate(db, full).partner, authenticate(db, full).can("write")
('bgs', False)
>>> revoke_token(db, token.id).revoked_at is not None, authenticate(db, full)
(True, None)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

SCOPES = ("read", "write", "admin")
# What each scope grants: "write" (a partner's own graphs) includes reading them; "admin" includes everything.
IMPLIED_SCOPES = {"read": frozenset({"read"}), "write": frozenset({"read", "write"}),
                  "admin": frozenset({"read", "write", "admin"})}
SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
TOKEN_PREFIX = "cm_"
TOKEN_PATTERN = re.compile(r"cm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
MAX_TEXT_CHARS = 200
SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 10.0  # a CLI write and a request may meet; SQLite waits this long for the other to finish
SCHEMA = """
CREATE TABLE partner (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    homepage TEXT,
    created_at TEXT NOT NULL,
    removed_at TEXT
);
CREATE TABLE token (
    id TEXT PRIMARY KEY,
    partner TEXT NOT NULL REFERENCES partner (slug),
    label TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX token_partner ON token (partner);
"""
# Changes from each schema version to the next, applied in order to a file of an older version; a new file gets
# SCHEMA and then every migration, so both paths meet in the same schema.
MIGRATIONS = {
    # 1 -> 2: who owns and may read each partner graph (kg/graph_access.py)
    1: """
CREATE TABLE partner_graph (
    iri TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES partner (slug),
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'partners')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX partner_graph_owner ON partner_graph (owner);
CREATE TABLE graph_reader (
    graph TEXT NOT NULL REFERENCES partner_graph (iri) ON DELETE CASCADE,
    partner TEXT NOT NULL REFERENCES partner (slug),
    PRIMARY KEY (graph, partner)
);
""",
}


class AccountError(ValueError):
    """A bad slug, name, URL or scope, a duplicate partner, an unknown partner or token, an unusable file."""


@dataclass(frozen=True)
class Partner:
    slug: str
    name: str
    homepage: str | None
    created_at: str


@dataclass(frozen=True)
class Token:
    """A token as listed: everything but the secret, which is never stored."""

    id: str
    partner: str
    label: str
    scopes: frozenset[str]
    created_at: str
    revoked_at: str | None


@dataclass(frozen=True)
class Caller:
    """Who sent a request: a partner's token, or nobody (``ANONYMOUS``, who may read public data only)."""

    partner: str | None
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None

    def can(self, scope: str) -> bool:
        _check_scope(scope)
        return any(scope in IMPLIED_SCOPES[held] for held in self.scopes)


ANONYMOUS = Caller(partner=None)


def add_partner(db: Path, slug: str, *, name: str, homepage: str | None = None) -> Partner:
    _check_slug(slug)
    partner = Partner(slug, _check_text(name, "name", required=True), _check_homepage(homepage), _now())
    with _connect(db, write=True) as conn:
        row = conn.execute("SELECT removed_at FROM partner WHERE slug = ?", (slug,)).fetchone()
        if row is not None:
            # a removed partner's slug stays taken: its IRI may already be published as a graph's publisher
            raise AccountError(f"partner {slug!r} already exists" if row[0] is None else
                               f"partner {slug!r} was removed on {row[0]}; a slug is never given to another partner")
        conn.execute("INSERT INTO partner (slug, name, homepage, created_at) VALUES (?, ?, ?, ?)",
                     (partner.slug, partner.name, partner.homepage, partner.created_at))
    return partner


def list_partners(db: Path) -> list[Partner]:
    with _connect(db) as conn:
        rows = conn.execute("SELECT slug, name, homepage, created_at FROM partner WHERE removed_at IS NULL "
                            "ORDER BY slug").fetchall()
    return [Partner(*row) for row in rows]


def remove_partner(db: Path, slug: str) -> int:
    """Remove a partner and revoke its tokens; returns how many tokens were still active."""
    now = _now()
    with _connect(db, write=True) as conn:
        _require_partner(conn, slug)
        conn.execute("UPDATE partner SET removed_at = ? WHERE slug = ?", (now, slug))
        return conn.execute("UPDATE token SET revoked_at = ? WHERE partner = ? AND revoked_at IS NULL",
                            (now, slug)).rowcount


def create_token(db: Path, partner: str, *, scopes: Iterable[str] | str, label: str = "") -> tuple[Token, str]:
    """A new token and its full string ``cm_<id>_<secret>``, which nobody can see again: only a hash is kept."""
    wanted = parse_scopes(scopes)
    label = _check_text(label, "label", required=False)
    secret = secrets.token_urlsafe(32)
    token = Token(secrets.token_hex(6), partner, label, wanted, _now(), None)
    with _connect(db, write=True) as conn:
        _require_partner(conn, partner)
        conn.execute("INSERT INTO token (id, partner, label, scopes, secret_sha256, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (token.id, partner, label, " ".join(sorted(wanted)), _hash(secret), token.created_at))
    return token, f"{TOKEN_PREFIX}{token.id}_{secret}"


def list_tokens(db: Path, partner: str | None = None) -> list[Token]:
    """Every token (revoked ones too) in the order they were made, of one partner or of all; never their secrets."""
    query = "SELECT id, partner, label, scopes, created_at, revoked_at FROM token"
    with _connect(db) as conn:
        if partner is not None:
            _require_partner(conn, partner, removed_ok=True)
            rows = conn.execute(query + " WHERE partner = ? ORDER BY rowid", (partner,)).fetchall()
        else:
            rows = conn.execute(query + " ORDER BY partner, rowid").fetchall()
    return [_token(row) for row in rows]


def revoke_token(db: Path, token_id: str) -> Token:
    """Revoke a token for good; revoking it again keeps the first revocation time."""
    with _connect(db, write=True) as conn:
        conn.execute("UPDATE token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (_now(), token_id))
        row = conn.execute("SELECT id, partner, label, scopes, created_at, revoked_at FROM token WHERE id = ?",
                           (token_id,)).fetchone()
    if row is None:
        raise AccountError(f"no token with the id {token_id!r}; `critmin token list` shows them")
    return _token(row)


def authenticate(db: Path, token: str) -> Caller | None:
    """The caller a token string stands for; None when it is malformed, unknown, revoked or its partner removed."""
    match = TOKEN_PATTERN.fullmatch(token)
    if match is None or not db.exists():  # no accounts yet: nothing can match, and a request creates no file
        return None
    token_id, secret = match.groups()
    with _connect(db) as conn:
        row = conn.execute("SELECT t.partner, t.scopes, t.secret_sha256 FROM token t JOIN partner p "
                           "ON p.slug = t.partner WHERE t.id = ? AND t.revoked_at IS NULL AND p.removed_at IS NULL",
                           (token_id,)).fetchone()
    if row is None or not hmac.compare_digest(row[2], _hash(secret)):
        return None
    return Caller(partner=row[0], scopes=frozenset(row[1].split()), token_id=token_id)


def looks_like_token(text: str) -> bool:
    """Whether ``text`` has the shape of our tokens (to tell a client it sent something else entirely)."""
    return TOKEN_PATTERN.fullmatch(text) is not None


def parse_scopes(scopes: Iterable[str] | str) -> frozenset[str]:
    """Scopes from a list or a comma-separated string: ``"read,write"``; at least one, each a known scope."""
    names = scopes.split(",") if isinstance(scopes, str) else list(scopes)
    wanted = frozenset(name.strip() for name in names if name.strip())
    if not wanted:
        raise AccountError(f"a token needs at least one scope: {', '.join(SCOPES)}")
    for scope in sorted(wanted):
        _check_scope(scope)
    return wanted


def _check_scope(scope: str) -> None:
    if scope not in IMPLIED_SCOPES:
        raise AccountError(f"unknown scope {scope!r}; the scopes are {', '.join(SCOPES)}")


def _check_slug(slug: str) -> None:
    if not SLUG_PATTERN.fullmatch(slug) or len(slug) < 2:
        raise AccountError(f"bad partner slug {slug!r}: use 2 to 40 characters a-z, 0-9 and '-', "
                           "starting and ending with a letter or digit")


def _check_text(text: str, what: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise AccountError(f"the {what} must not be empty")
    if len(text) > MAX_TEXT_CHARS or any(ord(c) < 32 for c in text):
        raise AccountError(f"the {what} must be one line of at most {MAX_TEXT_CHARS} characters")
    return text


def _check_homepage(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url.strip()):
        raise AccountError(f"bad homepage {url!r}: give an http:// or https:// URL")
    return url.strip()


def _require_partner(conn: sqlite3.Connection, slug: str, *, removed_ok: bool = False) -> None:
    row = conn.execute("SELECT removed_at FROM partner WHERE slug = ?", (slug,)).fetchone()
    if row is None or (row[0] is not None and not removed_ok):
        raise AccountError(f"no partner {slug!r}; `critmin partner list` shows them")


def _token(row: tuple) -> Token:
    token_id, partner, label, scopes, created_at, revoked_at = row
    return Token(token_id, partner, label, frozenset(scopes.split()), created_at, revoked_at)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def connect(db: Path, *, write: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection in one transaction (committed when the block ends without error), on a file made on first use.

    A writer takes the write lock at the start, so its checks and its changes see the same state; readers (every
    authenticated request) take no lock and, in WAL mode, never wait for a writer.
    """
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(db, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise AccountError(f"cannot open the accounts database {db}: {error}") from error
    with closing(conn):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")  # a second process waits here while the first creates the schema
                _ensure_schema(conn, db)
                conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.Error as error:
            raise AccountError(f"cannot use the accounts database {db}: {error}") from error
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


_connect = connect  # the name this module's own functions use


def _ensure_schema(conn: sqlite3.Connection, db: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION or (version and version not in MIGRATIONS):
        raise AccountError(f"the accounts database {db} has schema version {version}; this critmin knows "
                           f"version {SCHEMA_VERSION}")
    scripts = [SCHEMA] if version == 0 else []
    scripts += [MIGRATIONS[v] for v in range(max(version, 1), SCHEMA_VERSION)]
    # inside the caller's BEGIN IMMEDIATE: a failed migration leaves the version and the data as they were
    for script in scripts:
        for statement in filter(str.strip, script.split(";")):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

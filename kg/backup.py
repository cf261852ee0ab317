"""`critmin backup` and `critmin restore`: the store and the accounts database, copied while the service runs, put
back while it is stopped.

A backup is a folder: ``store/`` (a RocksDB checkpoint of the embedded store), ``accounts.sqlite3`` (a copy of the
setting ``accounts_db``) and ``manifest.json`` (when, which critmin, how many graphs and quads, and the size and
SHA-256 of every file), written last: a folder without it is an incomplete backup, and restore refuses it.

How the store is copied while ``critmin serve`` holds it: RocksDB lets one process write, and pyoxigraph says that
opening a store read-only while another process writes it is undefined (compaction deletes files the reader still
lists; pyoxigraph has no secondary instance that follows the writer). So a checkpoint from a second process would
not be consistent, or would fail half way. The process holding the store takes it instead: ``critmin backup`` first
tries to open the store itself; when the store is locked, it asks the running server (``POST /admin/backup``, an
admin token) to make the checkpoint (``Store.backup``: RocksDB's checkpoint, one point in time for all the store's
column families, hard links to its immutable files, about a millisecond) in ``<store>.backups/`` beside the store,
then moves it into the backup folder. That point in time is what a crash at that instant would leave, and every write
of ours is made to survive a crash there (``kg/loading.py``: uploads commit staged data in one transaction, hub loads
leave a marker): the copy is opened once with that same recovery, which drops whatever was staged or marked
incomplete, so the backup holds each graph whole, as it was committed, or not at all. The accounts database is
copied next with SQLite's online backup API (a consistent copy, taken while the server reads and writes it). Taking
it after the store means every partner graph in the store copy was registered before it was written; a graph deleted
between the two copies is in the store copy without its registration, which reads as private to its owner (fail
closed: ``kg.graph_access.may_read``) until the owner deletes it again.

Restore runs with the server stopped (it refuses a store in use), checks the manifest against every file, copies the
backup beside the live store and opens the copy, then swaps: the live store and accounts file are moved aside, the
copies moved in, and the old ones deleted only once both are in place (on a failure the old ones are moved back).

>>> manifest_path(Path("backups/monday"))
PosixPath('backups/monday/manifest.json')
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import NamedNode, Store

from kg import iris
from kg.loading import SOFTWARE_VERSION, recover_interrupted_loads
from kg.store import checkpoint

FORMAT = 1
MANIFEST = "manifest.json"
STORE_FOLDER = "store"
ACCOUNTS_FILE = "accounts.sqlite3"
# RocksDB never rewrites these in place, so a restore may hard-link them rather than copy (and a checkpoint is
# made of hard links to them already); every other file of a store folder is copied.
IMMUTABLE_SUFFIX = ".sst"
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that was refused or failed; the live store and accounts database are unchanged."""


@dataclass(frozen=True)
class StoreFacts:
    graphs: int
    quads: int
    bytes: int


@dataclass(frozen=True)
class BackupSummary:
    folder: Path
    store: StoreFacts
    accounts_bytes: int | None
    via_server: bool
    seconds: float


@dataclass(frozen=True)
class RestoreSummary:
    folder: Path
    store: StoreFacts
    accounts_bytes: int | None
    created: str
    seconds: float


def manifest_path(folder: Path) -> Path:
    return folder / MANIFEST


def checkpoint_folder(store_path: Path) -> Path:
    """Where a running server puts the checkpoints it makes for `critmin backup`, beside the store."""
    return store_path.with_name(store_path.name + ".backups")


def make_checkpoint(store: Store, store_path: Path) -> Path:
    """A new checkpoint of the open ``store`` in ``checkpoint_folder``; older ones still there are removed (one
    pending checkpoint at most: `critmin backup` moves each away as soon as it is made)."""
    folder = checkpoint_folder(store_path)
    if folder.exists():
        for old in folder.iterdir():
            shutil.rmtree(old, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    checkpoint(store, target)  # with what is still in the memtable
    return target


# ---------------------------------------------------------------------------------------------------------------
# Backup


def backup(
    store_path: Path,
    accounts_db: Path,
    target: Path,
    *,
    checkpoint_from_server: Callable[[], Path],
    progress: Progress = print,
) -> BackupSummary:
    """Back the store and accounts database up into the new folder ``target`` (see the module's docstring).

    ``checkpoint_from_server`` is called when another process holds the store: it asks that server for a
    checkpoint and returns the checkpoint's folder.
    """
    from kg.store import StoreLockedError, open_store

    clock = time.perf_counter()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty folder: back up into a new folder")
    if not (store_path / "CURRENT").exists():
        raise BackupError(f"no store at {store_path}: nothing to back up")
    progress(f"Backing up {store_path} and {accounts_db} into {target}")
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        store_copy = target / STORE_FOLDER
        via_server = False
        try:
            store = open_store(store_path)
        except StoreLockedError:
            via_server = True
        if via_server:
            progress(f"The store {store_path} is held by a running server: asking it for a checkpoint")
            checkpoint = checkpoint_from_server()
            _move_folder(checkpoint, store_copy)
        else:
            progress(f"Checkpointing the store {store_path} (no server holds it)")
            try:
                store.flush()
                store.backup(str(store_copy))
            finally:
                del store
        facts = _settle(store_copy)
        progress(f"  store: {facts.graphs:,} graphs, {facts.quads:,} quads, {facts.bytes / 1e6:.1f} MB")
        accounts_copy = target / ACCOUNTS_FILE
        accounts_bytes = None
        if accounts_db.exists():
            _copy_sqlite(accounts_db, accounts_copy)
            accounts_bytes = accounts_copy.stat().st_size
            progress(f"  accounts database {accounts_db}: {accounts_bytes:,} bytes (SQLite online backup)")
        else:
            progress(f"  accounts database {accounts_db}: none yet, nothing to copy")
        manifest = {
            "format": FORMAT,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "software_version": SOFTWARE_VERSION,
            "taken_by": "the running server (POST /admin/backup)" if via_server else "critmin backup",
            "source": {"store": str(store_path.resolve()), "accounts_db": str(accounts_db.resolve())},
            "store": {"folder": STORE_FOLDER, "graphs": facts.graphs, "quads": facts.quads,
                      "files": _file_list(store_copy)},
            "accounts": None if accounts_bytes is None else {"file": ACCOUNTS_FILE, "bytes": accounts_bytes,
                                                             "sha256": _sha256(accounts_copy)},
        }
        written = target / (MANIFEST + ".part")
        written.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        written.replace(manifest_path(target))  # last, and whole: its presence says the backup is complete
    except BaseException:  # nothing half made is left behind: the folder is as it was, ready for another try
        for made in (target / STORE_FOLDER, target / ACCOUNTS_FILE, target / (MANIFEST + ".part")):
            if made.is_dir():
                shutil.rmtree(made, ignore_errors=True)
            else:
                made.unlink(missing_ok=True)
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise
    return BackupSummary(target, facts, accounts_bytes, via_server, time.perf_counter() - clock)


def _settle(store_copy: Path) -> StoreFacts:
    """Open the fresh checkpoint once, as after a crash at the instant it was taken: what a write in progress had
    staged or left marked incomplete is removed. Then count it."""
    store = Store(str(store_copy))
    try:
        recover_interrupted_loads(store)
        store.flush()
        facts = _count(store)
    finally:
        del store
    return StoreFacts(facts[0], facts[1], _folder_bytes(store_copy))


def _count(store: Store) -> tuple[int, int]:
    graphs = [g for g in store.named_graphs() if isinstance(g, NamedNode)]
    graphs = [g for g in graphs if not g.value.startswith(iris.STAGING_GRAPH_PREFIX)]
    return len(graphs), len(store)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file, as one self-contained file (no write-ahead log beside it)."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # the copy inherits WAL mode; one file travels better
    finally:
        dst.close()
        src.close()


def checkpoint_from_server(url: str, token: str | None, *, timeout_s: float = 600.0) -> Path:
    """Ask the critmin server at ``url`` (which holds the store) for a checkpoint; its folder."""
    import httpx

    if not token:
        raise BackupError("the store is held by a running server, which makes the checkpoint: give an admin token "
                          "(--token, or the environment variable CRITMIN_TOKEN)")
    try:
        response = httpx.post(url.rstrip("/") + "/admin/backup", headers={"Authorization": f"Bearer {token}"},
                              timeout=timeout_s)
    except httpx.HTTPError as error:
        raise BackupError(f"the store is locked, but no critmin server answers at {url} ({error}); give its address "
                          "with --url") from error
    if response.status_code != 201:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise BackupError(f"the server at {url} refused the checkpoint: {response.status_code} {detail}")
    return Path(response.json()["checkpoint"])


# ---------------------------------------------------------------------------------------------------------------
# Restore


def verify(folder: Path, *, progress: Progress = print) -> dict:
    """The manifest of the backup ``folder``, once every file it lists is there with its size and SHA-256, and the
    store copy opens with the graphs and quads it says; ``BackupError`` naming the first problem otherwise."""
    manifest_file = manifest_path(folder)
    if not manifest_file.is_file():
        raise BackupError(f"{folder} has no {MANIFEST}: not a critmin backup, or one that did not finish")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        files = manifest["store"]["files"]
        int(manifest["store"]["graphs"]), int(manifest["store"]["quads"])  # restore compares the copy with them
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{manifest_file} cannot be read: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{manifest_file}: backup format {manifest.get('format')!r}, this critmin reads {FORMAT}")
    store_copy = folder / STORE_FOLDER
    for name, listed in sorted(files.items()):
        path = store_copy / name
        if not path.is_file():
            raise BackupError(f"{path} is missing: the backup is incomplete")
        if path.stat().st_size != listed["bytes"] or _sha256(path) != listed["sha256"]:
            raise BackupError(f"{path} differs from the manifest (size or SHA-256): the backup is damaged")
    progress(f"  store: {len(files)} files match the manifest "
             f"({sum(f['bytes'] for f in files.values()) / 1e6:.1f} MB)")
    accounts = manifest.get("accounts")
    if accounts is not None:
        path = folder / accounts["file"]
        if not path.is_file():
            raise BackupError(f"{path} is missing: the backup is incomplete")
        if _sha256(path) != accounts["sha256"]:
            raise BackupError(f"{path} differs from the manifest's SHA-256: the backup is damaged")
        progress(f"  accounts database: {path.stat().st_size:,} bytes, SHA-256 matches")
    return manifest


def restore(
    folder: Path,
    store_path: Path,
    accounts_db: Path,
    *,
    progress: Progress = print,
) -> RestoreSummary:
    """Replace the store and accounts database with the backup ``folder`` (see the module's docstring)."""
    clock = time.perf_counter()
    progress(f"Verifying the backup {folder}")
    manifest = verify(folder, progress=progress)
    _refuse_if_in_use(store_path)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    staged_store = store_path.with_name(f"{store_path.name}.restore-{stamp}")
    staged_accounts = accounts_db.with_name(f"{accounts_db.name}.restore-{stamp}")
    moved: list[tuple[Path, Path]] = []  # (from, to) of every rename of the swap, to undo them on a failure
    try:
        progress(f"Copying the backup beside the store ({staged_store.name})")
        store_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder / STORE_FOLDER, staged_store, copy_function=_link_or_copy)
        facts = _opened_facts(staged_store)
        want = (manifest["store"]["graphs"], manifest["store"]["quads"])
        if (facts.graphs, facts.quads) != tuple(want):
            raise BackupError(f"the backup's store opens with {facts.graphs} graphs and {facts.quads} quads, the "
                              f"manifest says {want[0]} and {want[1]}: the backup is damaged")
        progress(f"  the copy opens: {facts.graphs:,} graphs, {facts.quads:,} quads")
        accounts = manifest.get("accounts")
        if accounts is not None:
            accounts_db.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / accounts["file"], staged_accounts)
            _check_sqlite(staged_accounts)
        _refuse_if_in_use(store_path)  # again: a server started while we copied would have the store now
        progress("Swapping the restored store and accounts database in")
        aside_store = store_path.with_name(f"{store_path.name}.pre-restore-{stamp}")
        aside_accounts = accounts_db.with_name(f"{accounts_db.name}.pre-restore-{stamp}")
        for source, destination in _swap_plan(store_path, accounts_db, aside_store, aside_accounts,
                                             staged_store, staged_accounts if accounts is not None else None):
            source.rename(destination)
            moved.append((source, destination))
    except BaseException:
        for source, destination in reversed(moved):
            destination.rename(source)
        shutil.rmtree(staged_store, ignore_errors=True)
        staged_accounts.unlink(missing_ok=True)
        raise
    # both are in place: only now is what they replaced deleted
    shutil.rmtree(aside_store, ignore_errors=True)
    for suffix in ("", *_SQLITE_SIDE_FILES):
        Path(f"{aside_accounts}{suffix}").unlink(missing_ok=True)
    accounts_bytes = accounts_db.stat().st_size if accounts_db.exists() else None
    return RestoreSummary(folder, facts, accounts_bytes, manifest["created"], time.perf_counter() - clock)


def _swap_plan(store_path: Path, accounts_db: Path, aside_store: Path, aside_accounts: Path, staged_store: Path,
               staged_accounts: Path | None) -> list[tuple[Path, Path]]:
    plan = []
    if store_path.exists():
        plan.append((store_path, aside_store))
    for suffix in ("", *_SQLITE_SIDE_FILES):  # a WAL left beside the old file belongs to it, not to the copy
        current = Path(f"{accounts_db}{suffix}")
        if current.exists():
            plan.append((current, Path(f"{aside_accounts}{suffix}")))
    plan.append((staged_store, store_path))
    if staged_accounts is not None:
        plan.append((staged_accounts, accounts_db))
    return plan


def _refuse_if_in_use(store_path: Path) -> None:
    """``BackupError`` when a process (a running `critmin serve`) holds the store."""
    if not (store_path / "CURRENT").exists():
        return
    try:
        store = Store(str(store_path))
    except OSError as error:
        if "lock" in str(error).lower():
            raise BackupError(f"the store {store_path} is in use (is `critmin serve` running?): stop the server, "
                              "then restore") from error
        raise BackupError(f"the store {store_path} cannot be opened: {error}") from error
    del store


def _opened_facts(store_path: Path) -> StoreFacts:
    store = Store(str(store_path))
    try:
        graphs, quads = _count(store)
    finally:
        del store
    return StoreFacts(graphs, quads, _folder_bytes(store_path))


def _check_sqlite(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the backup's accounts database does not open: {error}") from error
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupError(f"the backup's accounts database fails its integrity check: {verdict}")


# ---------------------------------------------------------------------------------------------------------------
# Files


def _move_folder(source: Path, target: Path) -> None:
    try:
        source.rename(target)
    except OSError:  # another file system: copy, then remove the server's checkpoint
        shutil.copytree(source, target)
        shutil.rmtree(source, ignore_errors=True)


def _link_or_copy(source: str, target: str) -> None:
    if source.endswith(IMMUTABLE_SUFFIX):
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another file system
    shutil.copy2(source, target)


def _file_list(folder: Path) -> dict[str, dict[str, object]]:
    return {str(path.relative_to(folder)): {"bytes": path.stat().st_size, "sha256": _sha256(path)}
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

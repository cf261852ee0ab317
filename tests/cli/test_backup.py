"""`critmin backup` and `critmin restore` as real processes: a backup of a running server while a client writes,
restored in place of a store that changed since; damaged or incomplete backups refused with the store untouched."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from kg import iris
from kg.accounts import add_partner, list_partners
from kg.loading import load_ontology
from kg.store import open_store
from tests.backends import serve_app
from tests.conftest import issue_token
from tests.crash.harness import critmin_server, store_problems

PARTNER = "hub-admins"


def critmin(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def all_quads(path: Path) -> set[Quad]:
    store = Store.read_only(str(path))
    try:
        return set(store)
    finally:
        del store


def graph_body(version: int, size: int = 300) -> tuple[frozenset[Triple], bytes]:
    triples = [Triple(NamedNode(f"https://example.org/backup/v{version}/s{i}"), NamedNode("https://example.org/p"),
                      Literal(f"version {version} row {i}")) for i in range(size)]
    return frozenset(triples), serialize(triples, format=RdfFormat.N_TRIPLES)


@pytest.fixture
def small_store(tmp_path: Path) -> tuple[Path, Path]:
    """A store with the ontology and one partner graph, and its accounts file."""
    store_path, accounts = tmp_path / "store", tmp_path / "accounts.sqlite3"
    store = open_store(store_path)
    load_ontology(store)
    store.flush()
    del store
    add_partner(accounts, PARTNER, name="Hub admins")
    return store_path, accounts


def test_backup_of_a_running_server_while_a_client_writes_restores_that_moment(
        small_store: tuple[Path, Path], tmp_path: Path) -> None:
    store_path, accounts = small_store
    token = issue_token(accounts, "admin", partner=PARTNER)
    target = tmp_path / "backups" / "monday"
    versions: dict[int, frozenset[Triple]] = {}
    stop, answers = threading.Event(), []

    def write(base: str) -> None:
        version = 0
        while not stop.is_set():
            version += 1
            content, body = graph_body(version)
            versions[version] = content
            response = httpx.put(base + "/store", content=body, timeout=120,
                                 params={"graph": iris.partner_graph(PARTNER, f"w{version % 3}").value},
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/n-triples"})
            answers.append(response.status_code)

    with critmin_server(store_path, accounts, tmp_path / "serve.log") as (_, base):
        writer = threading.Thread(target=write, args=(base,))
        writer.start()
        try:
            while len(answers) < 2:  # the backup is taken between writes that are well under way
                threading.Event().wait(0.05)
            port = base.rsplit(":", 1)[1]
            done = critmin("backup", target, "--store", store_path, "--accounts-db", accounts,
                           env={"CRITMIN_TOKEN": token, "CRITMIN_PORT": port})
            written_during = len(answers)
            threading.Event().wait(0.5)
        finally:
            stop.set()
            writer.join(timeout=120)
    assert done.returncode == 0, done.stderr
    assert "asking it for a checkpoint" in done.stdout
    assert "Backup complete: " in done.stdout and "taken by the running server" in done.stdout
    assert set(answers) <= {201, 204} and len(answers) > written_during  # the client kept writing throughout

    manifest = json.loads((target / "manifest.json").read_text())
    backed_up = all_quads(target / "store")
    assert manifest["store"]["quads"] == len(backed_up)
    # the copy is one moment of the store: each partner graph is one whole version, with its catalog entry
    snapshot = Store.read_only(str(target / "store"))
    assert store_problems(snapshot, None) == []
    in_backup = {g.value for g in snapshot.named_graphs()}
    for name in ("w0", "w1", "w2"):
        graph = iris.partner_graph(PARTNER, name)
        if graph.value in in_backup:
            content = frozenset(Triple(q.subject, q.predicate, q.object)
                                for q in snapshot.quads_for_pattern(None, None, None, graph))
            assert content in versions.values()
    del snapshot

    # the live store and accounts change after the backup; restore puts back the moment of the backup
    store = open_store(store_path)
    store.add(Quad(NamedNode("https://example.org/after"), NamedNode("https://example.org/p"), Literal("late"),
                   iris.graph("after-backup")))
    store.flush()
    del store
    add_partner(accounts, "late-partner", name="Added after the backup")
    assert all_quads(store_path) != backed_up

    restored = critmin("restore", target, "--store", store_path, "--accounts-db", accounts)
    assert restored.returncode == 0, restored.stderr
    assert "Restore complete: " in restored.stdout and f"{len(backed_up):,} quads" in restored.stdout
    assert all_quads(store_path) == backed_up
    assert "late-partner" not in {p.slug for p in list_partners(accounts)}
    assert not list(store_path.parent.glob("*.pre-restore-*")) and not list(store_path.parent.glob("*.restore-*"))

    # the app starts on the restored store and serves what the backup held, to the token of that time
    with critmin_server(store_path, accounts, tmp_path / "serve-again.log") as (_, base):
        graph = next(iris.partner_graph(PARTNER, n) for n in ("w0", "w1", "w2")
                     if iris.partner_graph(PARTNER, n).value in in_backup)
        response = httpx.get(base + "/store", params={"graph": graph.value}, timeout=60,
                             headers={"Authorization": f"Bearer {token}", "Accept": "application/n-triples"})
        assert response.status_code == 200
        served = frozenset(Triple(q.subject, q.predicate, q.object)
                           for q in parse(input=response.content, format=RdfFormat.N_TRIPLES))
        assert served == frozenset(Triple(q.subject, q.predicate, q.object) for q in backed_up
                                   if q.graph_name == graph)


def _damaged(backup: Path, tmp_path: Path, how: str) -> Path:
    copy = tmp_path / f"damaged-{how}"
    shutil.copytree(backup, copy)
    if how == "no-manifest":  # a backup that never finished writes its manifest last
        (copy / "manifest.json").unlink()
    elif how == "sst-flipped":
        table = max((copy / "store").glob("*.sst"), key=lambda p: p.stat().st_size)
        data = bytearray(table.read_bytes())
        data[len(data) // 2] ^= 0xFF
        table.write_bytes(bytes(data))
    elif how == "file-missing":
        next((copy / "store").glob("MANIFEST-*")).unlink()
    elif how == "accounts-changed":
        with (copy / "accounts.sqlite3").open("ab") as handle:
            handle.write(b"\0" * 512)
    elif how == "manifest-garbled":
        (copy / "manifest.json").write_text('{"format": 1, "store": ', encoding="utf-8")
    return copy


@pytest.mark.parametrize("how", ["no-manifest", "sst-flipped", "file-missing", "accounts-changed",
                                 "manifest-garbled"])
def test_a_damaged_or_incomplete_backup_is_refused_and_the_store_left_alone(
        small_store: tuple[Path, Path], tmp_path: Path, how: str) -> None:
    store_path, accounts = small_store
    made = critmin("backup", tmp_path / "good", "--store", store_path, "--accounts-db", accounts)
    assert made.returncode == 0, made.stderr
    assert "taken directly" in made.stdout  # no server held the store: the command took the checkpoint itself
    store = open_store(store_path)
    store.add(Quad(NamedNode("https://example.org/since"), NamedNode("https://example.org/p"), Literal("kept"),
                   iris.graph("since-backup")))
    store.flush()
    del store
    before, accounts_before = all_quads(store_path), accounts.read_bytes()

    refused = critmin("restore", _damaged(tmp_path / "good", tmp_path, how), "--store", store_path,
                      "--accounts-db", accounts)
    assert refused.returncode == 2
    expected = {"no-manifest": "has no manifest.json", "sst-flipped": "differs from the manifest",
                "file-missing": "is missing: the backup is incomplete", "accounts-changed": "accounts.sqlite3 differs",
                "manifest-garbled": "cannot be read"}[how]
    assert expected in refused.stderr
    assert "Restore complete" not in refused.stdout
    assert all_quads(store_path) == before and accounts.read_bytes() == accounts_before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("store", "accounts"))) == \
        ["accounts.sqlite3", "store"]


def test_restore_is_refused_while_the_store_is_in_use(small_store: tuple[Path, Path], tmp_path: Path) -> None:
    store_path, accounts = small_store
    assert critmin("backup", tmp_path / "b", "--store", store_path, "--accounts-db", accounts).returncode == 0
    holder = open_store(store_path)  # as `critmin serve` holds it
    try:
        refused = critmin("restore", tmp_path / "b", "--store", store_path, "--accounts-db", accounts)
    finally:
        del holder
    assert refused.returncode == 2 and "is in use" in refused.stderr and "stop the server" in refused.stderr
    assert not list(tmp_path.glob("store.restore-*"))


def test_backup_into_a_folder_that_is_not_empty_is_refused(small_store: tuple[Path, Path], tmp_path: Path) -> None:
    store_path, accounts = small_store
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    refused = critmin("backup", target, "--store", store_path, "--accounts-db", accounts)
    assert refused.returncode == 2 and "is not an empty folder" in refused.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_a_running_server_needs_a_token_to_be_backed_up(small_store: tuple[Path, Path], tmp_path: Path) -> None:
    store_path, accounts = small_store
    with critmin_server(store_path, accounts, tmp_path / "serve.log") as (_, base):
        refused = critmin("backup", tmp_path / "b", "--store", store_path, "--accounts-db", accounts,
                          env={"CRITMIN_PORT": base.rsplit(":", 1)[1], "CRITMIN_TOKEN": ""})
    assert refused.returncode == 2 and "give an admin token" in refused.stderr
    assert not (tmp_path / "b").exists()  # nothing half made is left: the same command can simply be run again


def test_the_checkpoint_route_is_for_admins_only(small_store: tuple[Path, Path]) -> None:
    store_path, accounts = small_store
    reader = issue_token(accounts, "read", partner="reader-org")
    admin = issue_token(accounts, "admin", partner=PARTNER)
    with serve_app(store_path, query_workers=1, accounts_db=accounts) as client:
        assert client.post("/admin/backup").status_code == 401
        assert client.post("/admin/backup", headers={"Authorization": f"Bearer {reader}"}).status_code == 403
        made = client.post("/admin/backup", headers={"Authorization": f"Bearer {admin}"})
        if client.app.state.settings.store_backend == "remote":
            assert made.status_code == 409 and "oxigraph backup" in made.json()["detail"]
            return
        assert made.status_code == 201
        checkpoint = Path(made.json()["checkpoint"])
        assert checkpoint.parent == store_path.with_name("store.backups").resolve()
        again = Path(client.post("/admin/backup", headers={"Authorization": f"Bearer {admin}"}).json()["checkpoint"])
        assert not checkpoint.exists() and again.exists()  # one pending checkpoint at most

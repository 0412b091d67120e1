"""The workspace database behind `icpkit serve`: versions, keys and the audit log, on DuckDB and
on PostgreSQL (skipped when no server answers on 127.0.0.1:5432)."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from icpkit.errors import IcpkitError
from icpkit.scorecard.io import load_scorecard
from icpkit.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-scorecard.toml"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["duckdb", "postgres"])
def workspace(request, tmp_path) -> Workspace:
    if request.param == "duckdb":
        return Workspace.open(tmp_path / "ws.duckdb")
    if not _postgres_answers():
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    import psycopg

    schema = "ws_" + uuid.uuid4().hex[:10]
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    request.addfinalizer(lambda: _drop_schema(schema))
    return Workspace.open(f"{POSTGRES}?options=-csearch_path%3D{schema}")


def _drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="module")
def seed_card():
    return load_scorecard(SEED)


def test_versions_are_numbered_and_one_is_active(workspace, seed_card):
    first = workspace.save_version(seed_card, author="ana", reason="playbook hypothesis")
    tighter = replace(seed_card, name="Tighter", trained_on={"data_fingerprint": "abc123"})
    second = workspace.save_version(tighter, author="bo", reason="narrower ICP", activate=True)
    assert (first, second) == (1, 2)
    listed = workspace.versions()
    assert [(v.version, v.author, v.reason, v.active) for v in listed] == [
        (1, "ana", "playbook hypothesis", False),
        (2, "bo", "narrower ICP", True),
    ]
    assert listed[1].data_fingerprint == "abc123"
    version, card = workspace.active()
    assert version == 2 and card.name == "Tighter" and card.version == 2
    # The stored text says which version it is, so two versions diff line by line.
    assert "version = 1" in workspace.text(1)
    assert workspace.get(1).attributes == seed_card.attributes


def test_rollback_walks_back_through_activations(workspace, seed_card):
    for n in range(3):
        workspace.save_version(
            replace(seed_card, name=f"card {n + 1}"), author="ana", reason="try", activate=True
        )
    assert workspace.active_version() == 3
    assert workspace.rollback() == 2
    assert workspace.rollback() == 1
    with pytest.raises(IcpkitError, match="only one ever activated"):
        workspace.rollback()
    workspace.activate(3, author="bo")
    assert workspace.rollback() == 1
    assert workspace.active()[1].name == "card 1"


def test_activate_unknown_version_is_a_clear_error(workspace):
    with pytest.raises(IcpkitError, match="no scorecard version 9"):
        workspace.activate(9)
    with pytest.raises(IcpkitError, match="no scorecard is active"):
        workspace.active()


def test_versions_need_who_and_why(workspace, seed_card):
    with pytest.raises(IcpkitError, match="non-empty reason"):
        workspace.save_version(seed_card, author="ana", reason="  ")


def test_keys_are_stored_hashed_and_revocable(workspace):
    token = workspace.create_key("website-form", rate_per_second=5)
    other = workspace.create_key("crm-sync")
    assert workspace.check_key(token) == "website-form"
    assert workspace.check_key(other) == "crm-sync"
    # A wrong secret with the right key id, or garbage, is refused.
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    assert workspace.check_key(forged) is None
    assert workspace.check_key("icpk_nothing") is None
    with pytest.raises(IcpkitError, match="already called"):
        workspace.create_key("website-form")

    workspace.revoke_key("website-form")
    assert workspace.check_key(token) is None
    assert workspace.check_key(other) == "crm-sync"
    listed = {k.name: k for k in workspace.api_keys()}
    assert listed["website-form"].revoked and listed["website-form"].rate_per_second == 5
    assert not listed["crm-sync"].revoked
    with pytest.raises(IcpkitError, match="no live key"):
        workspace.revoke_key("website-form")
    # The name is free again once its key is revoked.
    assert workspace.check_key(workspace.create_key("website-form")) == "website-form"


def test_no_secret_is_stored_in_the_database(tmp_path):
    path = tmp_path / "ws.duckdb"
    token = Workspace.open(path).create_key("form")
    secret = token.rsplit("_", 1)[1]
    import duckdb

    with duckdb.connect(str(path)) as connection:
        rows = connection.execute("SELECT * FROM api_keys").fetchall()
    assert rows and all(secret not in str(cell) for cell in rows[0])


def test_bad_key_names_are_refused(workspace):
    with pytest.raises(IcpkitError, match="key name"):
        workspace.create_key("")
    with pytest.raises(IcpkitError, match="key name"):
        workspace.create_key("a" * 65)


def test_audit_keeps_a_keyed_hash_not_the_companies(workspace):
    workspace.audit("website-form", 3, ["acme.com", "globex.com"], route="api")
    workspace.audit("crm-sync", 3, ["initech.com"], route="csv upload")
    entries = workspace.audit_log()
    assert {(e.key_name, e.scorecard_version, e.route, e.accounts) for e in entries} == {
        ("website-form", 3, "api", 2),
        ("crm-sync", 3, "csv upload", 1),
    }
    hashes = {e.key_name: e.identifiers_hash for e in entries}
    # Whoever holds the workspace can confirm what was scored; the log holds no domain.
    assert hashes["website-form"] == workspace.hash_identifiers(["acme.com", "globex.com"])
    assert hashes["website-form"] != workspace.hash_identifiers(["globex.com", "acme.com"])
    assert all("acme" not in h for h in hashes.values())
    import hashlib

    assert hashes["crm-sync"] != hashlib.sha256(b"initech.com").hexdigest()


def test_another_process_can_write_while_we_use_the_file(tmp_path, seed_card):
    # The server and `icpkit keys create` take turns on one DuckDB file.
    path = tmp_path / "ws.duckdb"
    workspace = Workspace.open(path)
    workspace.save_version(seed_card, author="ana", reason="first", activate=True)
    code = (
        "from icpkit.workspace import Workspace;"
        f"print(Workspace.open({str(path)!r}).create_key('from-elsewhere'))"
    )
    token = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert workspace.check_key(token) == "from-elsewhere"
    assert workspace.active_version() == 1


def test_unreachable_postgres_is_a_one_line_error():
    with pytest.raises(IcpkitError, match="cannot connect to the workspace") as error:
        Workspace.open("postgresql://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(error.value)


def test_sync_writes_audit_and_reads_live_state_in_one_go(workspace, seed_card):
    workspace.save_version(seed_card, author="ana", reason="first", activate=True)
    token = workspace.create_key("form")
    entry = workspace.audit_entry("form", 1, ["domain:acme.example"], route="web form")
    snapshot = workspace.sync([entry])
    assert snapshot.active_version == 1
    assert snapshot.key_ring.check(token).name == "form"
    assert [(e.key_name, e.route, e.accounts) for e in workspace.audit_log()] == [
        ("form", "web form", 1)
    ]


def test_a_duckdb_revision_changes_with_every_write(tmp_path, seed_card):
    workspace = Workspace.open(tmp_path / "ws.duckdb")
    before = workspace.revision()
    assert workspace.revision() == before  # reading changes nothing
    workspace.versions()
    assert workspace.revision() == before
    workspace.save_version(seed_card, author="ana", reason="first")
    assert workspace.revision() != before

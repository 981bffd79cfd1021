"""SQLite under concurrency and crashes: WAL, busy timeout, atomic multi-table writes, a writer process
killed with SIGKILL mid-stream, and versioned migrations (from empty and from the previous version)."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import bot.store as store_mod
from bot.store import BUSY_TIMEOUT_MS, MIGRATIONS, Store

REPO = Path(__file__).resolve().parents[1]

WRITER = r"""
import sys, datetime as dt
from alvh_core.grammar import parse_position
from bot.store import Store
store = Store(sys.argv[1])
tag = sys.argv[2]
condor = parse_position("SPX IC 5600/5650/6150/6200 2026-12-18 x10 @4.80", dt.date(2026, 11, 24))
i = 0
while True:
    i += 1
    pid = store.add_position(tag, "U1", "C1", condor)
    store.record_exchange(tag, "C1", "1.0", pid, "U1", f"q{i}", f"a{i}", "status",
                          analysis_json='{"x": %d}' % i, assumptions=["a"])
    print(pid, flush=True)
"""


def test_wal_and_busy_timeout(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS


def test_multi_table_write_is_atomic(tmp_path: Path) -> None:
    """record_exchange writes analyses + two messages; a failure in the last insert leaves nothing."""
    store = Store(tmp_path / "s.sqlite")
    with pytest.raises(sqlite3.IntegrityError):
        store.record_exchange("T1", "C1", "1.0", 1, "U1", "question", None, "status",  # type: ignore[arg-type]
                              analysis_json="{}", assumptions=[])
    assert store.db.execute("SELECT COUNT(*) FROM analyses").fetchone()[0] == 0
    assert store.db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    store.record_exchange("T1", "C1", "1.0", 1, "U1", "question", "answer", "status", analysis_json="{}")
    assert store.db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 2


def test_killed_writer_process_loses_no_committed_row(tmp_path: Path) -> None:
    """Two writer processes; one is SIGKILLed mid-stream. The file passes integrity_check and every id
    a writer printed (after its commit) is there with its conversation rows."""
    path = str(tmp_path / "crash.sqlite")
    Store(path).close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = {tag: subprocess.Popen([sys.executable, "-c", WRITER, path, tag], stdout=subprocess.PIPE,
                                   text=True, env=env) for tag in ("TA", "TB")}
    printed: dict[str, list[int]] = {"TA": [], "TB": []}
    try:
        victim = procs["TA"]
        for line in victim.stdout:  # type: ignore[union-attr]
            printed["TA"].append(int(line))
            if len(printed["TA"]) >= 60:
                break
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        rest = victim.stdout.read()  # type: ignore[union-attr]
        printed["TA"] += [int(x) for x in rest.split()]
        assert victim.returncode == -signal.SIGKILL
        other = procs["TB"]
        for line in other.stdout:  # type: ignore[union-attr]
            printed["TB"].append(int(line))
            if len(printed["TB"]) >= 30:
                break
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)
    tail = procs["TB"].stdout.read()  # type: ignore[union-attr]
    printed["TB"] += [int(x) for x in tail.split()]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for tag, ids in printed.items():
        stored = {r[0] for r in conn.execute("SELECT id FROM positions WHERE team_id = ?", [tag])}
        assert set(ids) <= stored, tag
        with_messages = {r[0] for r in conn.execute(
            "SELECT position_id FROM messages WHERE team_id = ? GROUP BY position_id HAVING COUNT(*) = 2", [tag])}
        # the writer prints an id after both of its commits (position, then the exchange)
        assert set(ids) <= with_messages, tag
    # no half-written exchange: every analysis has exactly its two messages
    bad = conn.execute("SELECT COUNT(*) FROM (SELECT position_id, COUNT(*) c FROM messages "
                       "GROUP BY team_id, position_id HAVING c != 2)").fetchone()[0]
    assert bad == 0
    conn.close()


def test_concurrent_threads_two_connections_keep_every_row(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    stores = [Store(path), Store(path)]
    errors: list[BaseException] = []

    def work(store: Store, team: str) -> None:
        try:
            for i in range(40):
                store.add_mark(team, "U1", __import__("datetime").date(2026, 11, 24), 5000 + i, 15.0)
                store.claim_event(f"{team}-{i}", team)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(stores[i % 2], f"T{i}")) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = sqlite3.connect(str(path))
    assert db.execute("SELECT COUNT(*) FROM marks").fetchone()[0] == 240
    assert db.execute("SELECT COUNT(*) FROM processed_events").fetchone()[0] == 240


# ----- migrations ---------------------------------------------------------------------------------
def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(str(path))
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_migrations_from_empty_database(tmp_path: Path) -> None:
    store = Store(tmp_path / "m.sqlite")
    assert store.schema_version() == len(MIGRATIONS)
    assert {"positions", "marks", "threads", "messages", "analyses", "subscriptions", "daily_posts",
            "processed_events", "schema_version"} <= _tables(tmp_path / "m.sqlite")
    versions = [r[0] for r in store.db.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert store.migrate() == len(MIGRATIONS)  # idempotent
    assert store.schema_version() == len(MIGRATIONS)


def _next_migration(db) -> None:  # type: ignore[no-untyped-def]
    """A stand-in for the next released migration: a new column and a new table."""
    db["positions"].add_column("note", str)
    db["audit"].create({"id": int, "team_id": str, "what": str}, pk="id")


@pytest.mark.parametrize("previous", range(1, len(MIGRATIONS) + 1))
def test_migration_from_previous_version_keeps_rows(tmp_path: Path, monkeypatch, previous: int) -> None:
    """A database at version ``previous`` (migrations applied up to it) with rows in it is migrated to
    the current list plus one more migration: the rows survive, the version advances, new schema exists."""
    path = tmp_path / "prev.sqlite"
    monkeypatch.setattr(store_mod, "MIGRATIONS", MIGRATIONS[:previous])
    old = Store(path)
    assert old.schema_version() == previous
    import datetime as dt

    from alvh_core.grammar import parse_position

    pid = old.add_position("T1", "U1", "C1", parse_position("SPX IC 5600/5650/6150/6200 2026-12-18 x10 @4.80",
                                                            dt.date(2026, 11, 24)))
    old.add_mark("T1", "U1", dt.date(2026, 11, 24), 5900.0, 17.0)
    old.record_exchange("T1", "C1", "1.0", pid, "U1", "q", "a", "status")
    old.close()
    before = {t: sqlite3.connect(str(path)).execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
              for t in ("positions", "marks", "messages")}

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*MIGRATIONS[:previous], _next_migration])
    new = Store(path)
    assert new.schema_version() == previous + 1
    assert "audit" in _tables(path)
    conn = sqlite3.connect(str(path))
    for table in ("marks", "messages"):
        assert conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() == before[table]
    rows = conn.execute("SELECT * FROM positions ORDER BY rowid").fetchall()
    assert [r[:-1] for r in rows] == before["positions"] and rows[0][-1] is None  # the new column
    assert new.position("T1", pid)["note"] is None


def test_old_dedupe_claims_are_pruned_recent_ones_kept(tmp_path: Path) -> None:
    import datetime as dt

    store = Store(tmp_path / "p.sqlite")
    assert store.claim_event("Ev-new", "T1")
    with store.transaction() as db:
        db.execute("INSERT INTO processed_events (event_id, team_id, received_at) VALUES (?, ?, ?)",
                   ["Ev-old", "T1", "2020-01-01T00:00:00+00:00"])
    now = dt.datetime.now(dt.UTC)
    assert store.prune_events(now - dt.timedelta(days=1)) == 1
    assert not store.claim_event("Ev-new", "T1")  # a recent claim still dedupes
    assert store.claim_event("Ev-old", "T1")  # the pruned one is gone

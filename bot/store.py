"""SQLite store of the bot (sqlite-utils): positions, marks, threads, conversation, posts.

Everything is scoped by Slack ``team_id`` (the terminal uses team ``"local"``); no query reads across
teams. Schema changes are versioned migrations (``MIGRATIONS``, applied in order, recorded in
``schema_version``). The database runs in WAL mode with a busy timeout; every write that spans
tables runs inside one explicit transaction (``Store.transaction``). One connection per thread.

Concurrency guarantees used by the bot:
- ``enqueue_job(key, ...)``: the durable queue (``bot.jobs``). The job row is the dedupe claim of a
  Slack delivery (unique ``key``), written before the ack; ``claim_job`` leases it to a worker (at
  most ``team_limit`` running per team); ``requeue_jobs`` puts back jobs whose lease lapsed.
- ``origin(key)``: rows written by a job carry its key, so a retried job adds no second position,
  mark or exchange. ``post_sending``/``post_done``: the ledger behind ``bot.jobs.post_once``.
- ``conversation(channel, thread)``: history reads of a job are scoped to where it answers.
- ``claim_daily_post(team, channel, date)``: unique (team, channel, date) slot claimed inside a
  ``BEGIN IMMEDIATE`` transaction, so two processes cannot both post; a failed post is re-claimable.
- ``claim_event``/``release_event``: the earlier event dedupe (kept for callers outside the queue).
- Writers of one process queue on a Python lock per file before ``BEGIN IMMEDIATE`` (no busy-handler
  sleeps between threads); WAL with ``synchronous = NORMAL`` (a commit survives a killed process).
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from time import time_ns
from typing import Any

import sqlite_utils

from alvh_core.clock import Clock, desk_date_of, system_clock, utc_now, utc_stamp
from alvh_core.models import IronCondor

BUSY_TIMEOUT_MS = 10_000
#: A claimed daily post that was neither posted nor failed after this long is re-claimable
#: (the process that claimed it died).
STALE_CLAIM = dt.timedelta(minutes=10)
MAX_POST_ATTEMPTS = 5


_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(path: str) -> threading.Lock:
    key = str(Path(path).resolve())
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(key)
        if lock is None:
            lock = _WRITE_LOCKS[key] = threading.Lock()
        return lock


def _origin(origin: str | None) -> dict[str, str]:
    """The ``origin`` column only when set (a row written outside a job leaves it NULL)."""
    return {"origin": origin} if origin is not None else {}


# ----- migrations -------------------------------------------------------------------------------
def _m1_initial(db: sqlite_utils.Database) -> None:
    db["positions"].create(
        {"id": int, "team_id": str, "user_id": str, "channel_id": str, "description": str,
         "condor_json": str, "status": str, "opened_at": str, "closed_at": str},
        pk="id", not_null={"team_id", "condor_json", "status"},
    )
    db["positions"].create_index(["team_id", "status"])
    db["marks"].create(
        {"id": int, "team_id": str, "user_id": str, "asof": str, "spot": float, "vix": float,
         "source": str, "recorded_at": str},
        pk="id", not_null={"team_id", "asof", "spot", "vix"},
    )
    db["marks"].create_index(["team_id", "asof"])
    db["threads"].create(
        {"team_id": str, "channel_id": str, "thread_ts": str, "position_id": int, "kind": str,
         "created_at": str},
        pk=("team_id", "channel_id", "thread_ts"),
    )
    db["messages"].create(
        {"id": int, "team_id": str, "channel_id": str, "thread_ts": str, "position_id": int,
         "user_id": str, "role": str, "kind": str, "text": str, "analysis_json": str,
         "assumptions_json": str, "created_at": str},
        pk="id", not_null={"team_id", "role", "text"},
    )
    db["messages"].create_index(["team_id", "channel_id", "thread_ts"])
    db["messages"].create_index(["team_id", "created_at"])
    db["analyses"].create(
        {"id": int, "team_id": str, "position_id": int, "kind": str, "asof": str,
         "result_json": str, "assumptions_json": str, "created_at": str},
        pk="id", not_null={"team_id", "kind"},
    )
    db["analyses"].create_index(["team_id", "position_id"])
    db["subscriptions"].create(
        {"team_id": str, "channel_id": str, "time_hhmm": str, "enabled": int, "user_id": str,
         "updated_at": str},
        pk=("team_id", "channel_id"),
    )
    db["daily_posts"].create(
        {"id": int, "team_id": str, "channel_id": str, "date": str, "status": str, "attempts": int,
         "message_ts": str, "error": str, "claimed_at": str, "posted_at": str},
        pk="id",
    )
    db["daily_posts"].create_index(["team_id", "channel_id", "date"], unique=True)
    db["processed_events"].create({"event_id": str, "team_id": str, "received_at": str},
                                  pk="event_id")


def _m2_lifecycle(db: sqlite_utils.Database) -> None:
    """Position lifecycle (issue 15): closing fill and realised P&L, every change with who and when,
    and the hedge legs the desk actually holds."""
    db["positions"].add_column("close_debit", float)
    db["positions"].add_column("realized_pnl", float)
    db["positions"].add_column("closed_by", str)
    db["position_events"].create(
        {"id": int, "team_id": str, "position_id": int, "kind": str, "user_id": str, "at": str,
         "before_json": str, "after_json": str, "detail_json": str, "text": str},
        pk="id", not_null={"team_id", "position_id", "kind", "at"},
    )
    db["position_events"].create_index(["team_id", "position_id"])
    db["hedge_holdings"].create(
        {"id": int, "team_id": str, "position_id": int, "holding_json": str, "user_id": str,
         "recorded_at": str, "closed_at": str},
        pk="id", not_null={"team_id", "position_id", "holding_json"},
    )
    db["hedge_holdings"].create_index(["team_id", "position_id"])


def _m3_position_marks(db: sqlite_utils.Database) -> None:
    """Issue 10: the trader's leg / VX / VIX-option marks, per position, with the time they were typed."""
    db["position_marks"].create(
        {"id": int, "team_id": str, "position_id": int, "user_id": str, "asof": str, "kind": str,
         "token": str, "strike": float, "right": str, "month": int, "price": float, "iv": float,
         "marked_at": str},
        pk="id", not_null={"team_id", "position_id", "kind", "token", "marked_at"},
    )
    db["position_marks"].create_index(["team_id", "position_id", "asof"])


def _m4_durable_work(db: sqlite_utils.Database) -> None:
    """Issue 14: the durable job queue, the ledger of posts (post once by key), a health row, and an
    ``origin`` column (the job that wrote a row) so a retried job never writes its rows twice."""
    db["jobs"].create(
        {"id": int, "key": str, "team_id": str, "kind": str, "payload_json": str, "status": str,
         "priority": int, "attempts": int, "available_at": float, "lease_until": float, "owner": str,
         "created_at": str, "started_at": str, "finished_at": str, "error": str},
        pk="id", not_null={"key", "team_id", "kind", "payload_json", "status"},
    )
    db["jobs"].create_index(["key"], unique=True)
    db["jobs"].create_index(["status", "priority", "id"])
    db["jobs"].create_index(["team_id", "status"])
    db["posts"].create(
        {"key": str, "team_id": str, "channel_id": str, "thread_ts": str, "status": str, "ts": str,
         "sent_at": float, "posted_at": str},
        pk="key",
    )
    db["health"].create({"id": int, "beat": str, "owner": str}, pk="id")
    for table in ("positions", "marks", "messages"):
        db[table].add_column("origin", str)
    db.execute("CREATE UNIQUE INDEX idx_positions_origin ON positions(origin) WHERE origin IS NOT NULL")
    db.execute("CREATE UNIQUE INDEX idx_marks_origin ON marks(origin) WHERE origin IS NOT NULL")
    db.execute("CREATE INDEX idx_messages_origin ON messages(origin) WHERE origin IS NOT NULL")
    db["messages"].create_index(["team_id", "channel_id", "created_at"])


#: Applied in order; version i+1 is MIGRATIONS[i]. Append, never edit a released one.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_m1_initial, _m2_lifecycle, _m3_position_marks,
                                                            _m4_durable_work]


class Store:
    """Thread-safe (a connection per thread) SQLite store at ``path``.

    Every stored instant is stamped by ``clock`` (UTC ISO-8601 with offset); the ``asof`` of an analysis
    is the desk's (New York) date. ``Services`` binds the store to its own clock (``use_clock``), so the
    bot has one clock: what the store stamps and what the assistant reads agree.
    ``read_only``: open every connection read-only (``mode=ro``), what a read-only file or mount gives
    the bot; an already migrated database is expected.
    """

    def __init__(self, path: str | Path, clock: Clock = system_clock, *, read_only: bool = False):
        self.path = str(path)
        self.clock: Clock = clock
        self.read_only = read_only
        self._local = threading.local()
        if not read_only:
            self.migrate()

    # ----- origin: the job writing now (idempotent writes) ------------------------------------
    @contextmanager
    def origin(self, key: str | None) -> Iterator[None]:
        """Within the block, rows this thread adds to positions/marks/messages carry ``key``; adding
        a position or mark whose origin already has one returns the existing row, and an exchange
        already recorded for (origin, position, kind) is not recorded again. A job retried after a
        crash therefore never creates a second position from one request."""
        previous = getattr(self._local, "origin", None)
        self._local.origin = key
        try:
            yield
        finally:
            self._local.origin = previous

    @property
    def current_origin(self) -> str | None:
        return getattr(self._local, "origin", None)

    def use_clock(self, clock: Clock) -> None:
        """Stamp rows with ``clock`` from now on (the injected clock of the services using this store)."""
        self.clock = clock

    def _now(self) -> str:
        return utc_stamp(self.clock)

    # ----- connection and transactions ------------------------------------------------------
    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = self._connect(BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db = sqlite_utils.Database(conn)
            if not self.read_only and db.journal_mode != "wal":
                db.enable_wal()
            # WAL + NORMAL: a commit survives a killed process (SIGKILL, crash); only a power cut can
            # lose the last commits. Saves an fsync per commit, which every ack now makes.
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
        return db

    def _connect(self, timeout: float) -> sqlite3.Connection:
        if self.read_only:
            uri = Path(self.path).resolve().as_uri() + "?mode=ro"
            return sqlite3.connect(uri, uri=True, timeout=timeout)
        return sqlite3.connect(self.path, timeout=timeout)

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One ``BEGIN IMMEDIATE`` transaction (takes the write lock at once: no upgrade deadlock).

        Writers of one process first queue on a Python lock per database file: a thread waiting for
        it wakes the moment the writer before it commits, where SQLite's busy handler would sleep in
        steps of up to 100 ms (acks waited behind workers' writes for seconds under load). Other
        processes still meet SQLite's lock and busy timeout."""
        db = self.db
        with _write_lock(self.path):
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.conn.execute("ROLLBACK")
                raise
            else:
                db.conn.execute("COMMIT")

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version. A database already at the current
        version is only read (so a read-only file still opens, and the bot can say it cannot save)."""
        try:
            if self.schema_version() == len(MIGRATIONS):
                return len(MIGRATIONS)
        except sqlite3.OperationalError:  # no schema_version table yet
            pass
        with self.transaction() as db:
            if "schema_version" not in db.table_names():
                db["schema_version"].create({"version": int, "applied_at": str}, pk="version")
            row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for version, migration in enumerate(MIGRATIONS, start=1):
                if version > current:
                    migration(db)
                    db["schema_version"].insert({"version": version, "applied_at": self._now()})
            return len(MIGRATIONS)

    def backup(self, dest: str | Path) -> Path:
        """Copy the live database to ``dest`` with SQLite's online backup API (consistent while the bot
        runs and writes; WAL content included). Returns the path written."""
        dest = Path(dest)
        if dest.exists():
            raise FileExistsError(f"{dest} exists: choose a new backup file")
        target = sqlite3.connect(str(dest))
        try:
            self.db.conn.backup(target)
        finally:
            target.close()
        return dest

    def schema_version(self) -> int:
        return self.db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None

    # ----- positions --------------------------------------------------------------------------
    def add_position(self, team_id: str, user_id: str, channel_id: str, condor: IronCondor) -> int:
        origin = self.current_origin
        with self.transaction() as db:
            if origin is not None:
                row = db.execute("SELECT id FROM positions WHERE origin = ?", [origin]).fetchone()
                if row is not None:  # the same job, retried after a crash: one position per request
                    return int(row[0])
            t = db["positions"].insert({
                "team_id": team_id, "user_id": user_id, "channel_id": channel_id,
                "description": condor.describe(), "condor_json": condor.model_dump_json(),
                "status": "open", "opened_at": self._now(), "closed_at": None, **_origin(origin)})
            pid = int(t.last_pk)
            self._event(db, team_id, pid, "open", user_id, self._now(), f"opened {condor.describe()}",
                        after=condor.model_dump_json())
            return pid

    def position(self, team_id: str, position_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query(
            "SELECT * FROM positions WHERE team_id = ? AND id = ?", [team_id, position_id]))
        return rows[0] if rows else None

    @staticmethod
    def condor_of(row: dict[str, Any]) -> IronCondor:
        return IronCondor.model_validate_json(row["condor_json"])

    def open_positions(self, team_id: str, channel_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM positions WHERE team_id = ? AND status = 'open'"
        args: list[Any] = [team_id]
        if channel_id is not None:
            sql += " AND channel_id = ?"
            args.append(channel_id)
        return list(self.db.query(sql + " ORDER BY id", args))

    def latest_open_position(self, team_id: str, user_id: str | None = None,
                             channel_id: str | None = None) -> dict[str, Any] | None:
        sql = "SELECT * FROM positions WHERE team_id = ? AND status = 'open'"
        args: list[Any] = [team_id]
        if user_id is not None:
            sql += " AND user_id = ?"
            args.append(user_id)
        if channel_id is not None:
            sql += " AND channel_id = ?"
            args.append(channel_id)
        rows = list(self.db.query(sql + " ORDER BY id DESC LIMIT 1", args))
        return rows[0] if rows else None

    def close_position(self, team_id: str, position_id: int) -> bool:
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE positions SET status = 'closed', closed_at = ? "
                "WHERE team_id = ? AND id = ? AND status = 'open'", [self._now(), team_id, position_id])
            return cur.rowcount == 1

    # ----- lifecycle: changes with who and when, closing fills, held hedges ----------------------
    def _event(self, db: sqlite_utils.Database, team_id: str, position_id: int, kind: str, user_id: str | None,
               at: str, text: str, before: str | None = None, after: str | None = None,
               detail: dict[str, Any] | None = None) -> int:
        t = db["position_events"].insert({
            "team_id": team_id, "position_id": position_id, "kind": kind, "user_id": user_id, "at": at,
            "before_json": before, "after_json": after, "detail_json": json.dumps(detail or {}), "text": text})
        return int(t.last_pk)

    def position_events(self, team_id: str, position_id: int) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM position_events WHERE team_id = ? AND position_id = ? ORDER BY id",
                                  [team_id, position_id]))

    def change_position(self, team_id: str, position_id: int, condor: IronCondor, kind: str,
                        user_id: str | None, at: str, text: str, detail: dict[str, Any] | None = None) -> bool:
        """Replace an OPEN position's condor (edit, roll) and record the change, in one transaction."""
        with self.transaction() as db:
            rows = list(db.query("SELECT condor_json FROM positions WHERE team_id = ? AND id = ? AND status = 'open'",
                                 [team_id, position_id]))
            if not rows:
                return False
            db.execute("UPDATE positions SET condor_json = ?, description = ? WHERE team_id = ? AND id = ?",
                       [condor.model_dump_json(), condor.describe(), team_id, position_id])
            self._event(db, team_id, position_id, kind, user_id, at, text, rows[0]["condor_json"],
                        condor.model_dump_json(), detail)
            return True

    def close_with_fill(self, team_id: str, position_id: int, user_id: str | None, at: str, text: str,
                        debit: float | None, realized: float | None, detail: dict[str, Any] | None = None) -> bool:
        """Close an open position with its fill and realised P&L (None when no fill was given); its held
        hedges are closed with it. One transaction; False when it was not open."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE positions SET status = 'closed', closed_at = ?, close_debit = ?, realized_pnl = ?, "
                "closed_by = ? WHERE team_id = ? AND id = ? AND status = 'open'",
                [at, debit, realized, user_id, team_id, position_id])
            if cur.rowcount != 1:
                return False
            db.execute("UPDATE hedge_holdings SET closed_at = ? WHERE team_id = ? AND position_id = ? "
                       "AND closed_at IS NULL", [at, team_id, position_id])
            self._event(db, team_id, position_id, "close", user_id, at, text, detail=detail)
            return True

    def closed_positions(self, team_id: str, channel_id: str | None, since: dt.datetime) -> list[dict[str, Any]]:
        """Positions closed at or after ``since`` (UTC), oldest first."""
        sql = "SELECT * FROM positions WHERE team_id = ? AND status = 'closed' AND closed_at >= ?"
        args: list[Any] = [team_id, since.astimezone(dt.UTC).isoformat(timespec="seconds")]
        if channel_id is not None:
            sql += " AND channel_id = ?"
            args.append(channel_id)
        return list(self.db.query(sql + " ORDER BY closed_at, id", args))

    def add_hedge_holding(self, team_id: str, position_id: int, holding_json: str, user_id: str | None, at: str,
                          text: str) -> int:
        with self.transaction() as db:
            t = db["hedge_holdings"].insert({"team_id": team_id, "position_id": position_id,
                                             "holding_json": holding_json, "user_id": user_id,
                                             "recorded_at": at, "closed_at": None})
            self._event(db, team_id, position_id, "hedge", user_id, at, text, after=holding_json)
            return int(t.last_pk)

    def hedge_holdings(self, team_id: str, position_id: int, open_only: bool = True) -> list[dict[str, Any]]:
        sql = "SELECT * FROM hedge_holdings WHERE team_id = ? AND position_id = ?"
        if open_only:
            sql += " AND closed_at IS NULL"
        return list(self.db.query(sql + " ORDER BY id", [team_id, position_id]))

    # ----- marks ------------------------------------------------------------------------------
    def add_mark(self, team_id: str, user_id: str, asof: dt.date, spot: float, vix: float,
                 source: str = "trader") -> int:
        origin = self.current_origin
        with self.transaction() as db:
            if origin is not None:
                row = db.execute("SELECT id FROM marks WHERE origin = ?", [origin]).fetchone()
                if row is not None:
                    return int(row[0])
            t = db["marks"].insert({"team_id": team_id, "user_id": user_id, "asof": asof.isoformat(),
                                "spot": float(spot), "vix": float(vix), "source": source,
                                "recorded_at": self._now(), **_origin(origin)})
            return int(t.last_pk)

    def latest_mark(self, team_id: str, on_or_before: dt.date | None = None) -> dict[str, Any] | None:
        sql = "SELECT * FROM marks WHERE team_id = ?"
        args: list[Any] = [team_id]
        if on_or_before is not None:
            sql += " AND asof <= ?"
            args.append(on_or_before.isoformat())
        rows = list(self.db.query(sql + " ORDER BY asof DESC, id DESC LIMIT 1", args))
        return rows[0] if rows else None

    def add_position_marks(self, team_id: str, position_id: int, user_id: str, asof: dt.date, marks: Any) -> int:
        """Store the leg / VX / VIX-option marks of ``marks`` (grammar ``Marks``) for one position."""
        rows = []
        now = self._now()
        for kind, items in (("leg", marks.legs), ("vx", marks.vx), ("vix_option", marks.vix_options)):
            for m in items:
                rows.append({"team_id": team_id, "position_id": int(position_id), "user_id": user_id,
                             "asof": asof.isoformat(), "kind": kind, "token": m.token,
                             "strike": getattr(m, "strike", None), "right": getattr(m, "right", None),
                             "month": getattr(m, "month", None), "price": getattr(m, "price", None),
                             "iv": getattr(m, "iv", None), "marked_at": now})
        if rows:
            with self.transaction() as db:
                db["position_marks"].insert_all(rows)
        return len(rows)

    def position_marks(self, team_id: str, position_id: int, asof: dt.date) -> list[dict[str, Any]]:
        """The latest mark of each instrument of the position typed on ``asof`` (marks are daily)."""
        rows = list(self.db.query(
            "SELECT * FROM position_marks WHERE team_id = ? AND position_id = ? AND asof = ? ORDER BY id",
            [team_id, int(position_id), asof.isoformat()]))
        latest: dict[tuple, dict[str, Any]] = {}
        for r in rows:
            latest[(r["kind"], r["strike"], r["right"], r["month"])] = r
        return list(latest.values())

    # ----- threads and conversation -------------------------------------------------------------
    def link_thread(self, team_id: str, channel_id: str, thread_ts: str, position_id: int | None,
                    kind: str = "result") -> None:
        with self.transaction() as db:
            db["threads"].insert({"team_id": team_id, "channel_id": channel_id, "thread_ts": thread_ts,
                                  "position_id": position_id, "kind": kind, "created_at": self._now()},
                                 replace=True)

    def position_thread(self, team_id: str, channel_id: str, position_id: int) -> str | None:
        """The first thread the bot started about a position in a channel (where its history lives)."""
        rows = list(self.db.query(
            "SELECT thread_ts FROM threads WHERE team_id = ? AND channel_id = ? AND position_id = ? "
            "ORDER BY created_at, thread_ts LIMIT 1", [team_id, channel_id, position_id]))
        return str(rows[0]["thread_ts"]) if rows else None

    def thread(self, team_id: str, channel_id: str, thread_ts: str) -> dict[str, Any] | None:
        rows = list(self.db.query(
            "SELECT * FROM threads WHERE team_id = ? AND channel_id = ? AND thread_ts = ?",
            [team_id, channel_id, thread_ts]))
        return rows[0] if rows else None

    def record_exchange(self, team_id: str, channel_id: str, thread_ts: str | None,
                        position_id: int | None, user_id: str | None, question: str,
                        answer: str, kind: str, analysis_json: str | None = None,
                        assumptions: list[str] | None = None) -> int:
        """Store one question and its answer (and the analysis behind it) atomically.

        Returns the id of the analysis row (0 when there was no analysis)."""
        now = self._now()
        assumptions_json = json.dumps(assumptions or [])
        origin = self.current_origin
        with self.transaction() as db:
            if origin is not None and db.execute(
                    "SELECT 1 FROM messages WHERE origin = ? AND role = 'question' AND kind = ? "
                    "AND IFNULL(position_id, -1) = IFNULL(?, -1)", [origin, kind, position_id]).fetchone():
                return 0  # this job already recorded it (a retry after a crash)
            analysis_id = 0
            if analysis_json is not None:
                t = db["analyses"].insert({"team_id": team_id, "position_id": position_id, "kind": kind,
                                       "asof": desk_date_of(now).isoformat(), "result_json": analysis_json,
                                       "assumptions_json": assumptions_json, "created_at": now})
                analysis_id = int(t.last_pk)
            common = {"team_id": team_id, "channel_id": channel_id, "thread_ts": thread_ts,
                      "position_id": position_id, "kind": kind, "created_at": now, **_origin(origin)}
            db["messages"].insert({**common, "user_id": user_id, "role": "question", "text": question,
                                   "analysis_json": None, "assumptions_json": None})
            db["messages"].insert({**common, "user_id": None, "role": "answer", "text": answer,
                                   "analysis_json": analysis_json, "assumptions_json": assumptions_json})
            return analysis_id

    def thread_messages(self, team_id: str, channel_id: str, thread_ts: str) -> list[dict[str, Any]]:
        return list(self.db.query(
            "SELECT * FROM messages WHERE team_id = ? AND channel_id = ? AND thread_ts = ? ORDER BY id",
            [team_id, channel_id, thread_ts]))

    @contextmanager
    def conversation(self, channel_id: str | None, thread_ts: str | None = None) -> Iterator[None]:
        """Within the block, ``messages_between`` on this thread reads only ``channel_id`` (and
        ``thread_ts`` when given) unless told otherwise: a job answering in a channel sets it, so a
        history question never shows what was recorded in another channel (a private one, say)."""
        previous = getattr(self._local, "conversation", None)
        self._local.conversation = (channel_id, thread_ts)
        try:
            yield
        finally:
            self._local.conversation = previous

    def messages_between(self, team_id: str, start: dt.datetime, end: dt.datetime,
                         position_id: int | None = None, channel_id: str | None = None,
                         thread_ts: str | None = None) -> list[dict[str, Any]]:
        """Messages of one team with ``start <= created_at < end`` (UTC), e.g. "what did we decide Tuesday".

        Scoped to ``channel_id`` (and ``thread_ts``); when not given, to the conversation the current
        job answers in (``conversation``)."""
        scope = getattr(self._local, "conversation", None)
        if channel_id is None and scope is not None:
            channel_id, thread_ts = scope[0], thread_ts or scope[1]
        sql = "SELECT * FROM messages WHERE team_id = ? AND created_at >= ? AND created_at < ?"
        args: list[Any] = [team_id, start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")]
        if position_id is not None:
            sql += " AND position_id = ?"
            args.append(position_id)
        if channel_id is not None:
            sql += " AND channel_id = ?"
            args.append(channel_id)
        if thread_ts is not None:
            sql += " AND thread_ts = ?"
            args.append(thread_ts)
        return list(self.db.query(sql + " ORDER BY id", args))

    def analyses(self, team_id: str, position_id: int, kind: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM analyses WHERE team_id = ? AND position_id = ?"
        args: list[Any] = [team_id, position_id]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        return list(self.db.query(sql + " ORDER BY id", args))

    # ----- subscriptions and daily posts --------------------------------------------------------
    def subscribe(self, team_id: str, channel_id: str, time_hhmm: str, user_id: str | None,
                  enabled: bool = True) -> None:
        with self.transaction() as db:
            db["subscriptions"].insert({"team_id": team_id, "channel_id": channel_id,
                                        "time_hhmm": time_hhmm, "enabled": int(enabled),
                                        "user_id": user_id, "updated_at": self._now()}, replace=True)

    def unsubscribe(self, team_id: str, channel_id: str) -> bool:
        with self.transaction() as db:
            cur = db.execute("UPDATE subscriptions SET enabled = 0, updated_at = ? "
                             "WHERE team_id = ? AND channel_id = ? AND enabled = 1",
                             [self._now(), team_id, channel_id])
            return cur.rowcount == 1

    def subscriptions(self, team_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM subscriptions WHERE enabled = 1"
        args: list[Any] = []
        if team_id is not None:
            sql += " AND team_id = ?"
            args.append(team_id)
        return list(self.db.query(sql + " ORDER BY team_id, channel_id", args))

    def claim_daily_post(self, team_id: str, channel_id: str, date: dt.date,
                         now: dt.datetime | None = None) -> bool:
        """Claim the (team, channel, date) slot. True when this caller must post now.

        A new slot is inserted (the unique index makes a second insert fail); a ``failed`` slot with
        attempts left, or a ``claimed`` slot older than ``STALE_CLAIM``, is taken over atomically."""
        now = now or utc_now(self.clock)
        stamp = now.isoformat(timespec="seconds")
        stale = (now - STALE_CLAIM).isoformat(timespec="seconds")
        with self.transaction() as db:
            try:
                db.execute("INSERT INTO daily_posts (team_id, channel_id, date, status, attempts, claimed_at) "
                           "VALUES (?, ?, ?, 'claimed', 1, ?)", [team_id, channel_id, date.isoformat(), stamp])
                return True
            except sqlite3.IntegrityError:
                pass
            cur = db.execute(
                "UPDATE daily_posts SET status = 'claimed', attempts = attempts + 1, claimed_at = ? "
                "WHERE team_id = ? AND channel_id = ? AND date = ? AND attempts < ? AND "
                "(status = 'failed' OR (status = 'claimed' AND claimed_at < ?))",
                [stamp, team_id, channel_id, date.isoformat(), MAX_POST_ATTEMPTS, stale])
            return cur.rowcount == 1

    def finish_daily_post(self, team_id: str, channel_id: str, date: dt.date, *, ok: bool,
                          message_ts: str | None = None, error: str | None = None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE daily_posts SET status = ?, message_ts = ?, error = ?, posted_at = ? "
                       "WHERE team_id = ? AND channel_id = ? AND date = ?",
                       ["posted" if ok else "failed", message_ts, error, self._now() if ok else None,
                        team_id, channel_id, date.isoformat()])

    def daily_posts(self, team_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM daily_posts"
        args: list[Any] = []
        if team_id is not None:
            sql += " WHERE team_id = ?"
            args.append(team_id)
        return list(self.db.query(sql + " ORDER BY id", args))

    # ----- Slack event dedupe -------------------------------------------------------------------
    def claim_event(self, event_id: str, team_id: str | None) -> bool:
        """True for the first delivery of ``event_id`` (unique insert); False for a duplicate."""
        with self.transaction() as db:
            try:
                db.execute("INSERT INTO processed_events (event_id, team_id, received_at) VALUES (?, ?, ?)",
                           [event_id, team_id, self._now()])
                return True
            except sqlite3.IntegrityError:
                return False

    def release_event(self, event_id: str) -> None:
        """Forget a claimed event whose processing failed, so Slack's retry gets answered."""
        with self.transaction() as db:
            db.execute("DELETE FROM processed_events WHERE event_id = ?", [event_id])

    def prune_events(self, before: dt.datetime) -> int:
        """Drop dedupe claims received before ``before`` (UTC); returns how many.

        Slack retries an event within minutes and a signed request is only valid for five minutes, so
        claims older than a day can never be needed again; without pruning the table grows forever."""
        with self.transaction() as db:
            cur = db.execute("DELETE FROM processed_events WHERE received_at < ?",
                             [before.astimezone(dt.UTC).isoformat(timespec="seconds")])
            return cur.rowcount

    # ----- durable jobs (bot.jobs drives these) -------------------------------------------------
    def enqueue_job(self, key: str, team_id: str, kind: str, payload_json: str, *, now: float, stamp: str,
                    priority: int = 0, team_queue_max: int | None = None,
                    queue_max: int | None = None) -> tuple[str, int]:
        """Persist a job unless its ``key`` exists (one transaction: the dedupe key *is* the job).

        Returns (outcome, n) with outcome ``queued`` (n = the team's jobs ahead of it), ``duplicate``
        (n = the existing job's id) or ``refused`` (n = the team's pending jobs; nothing written)."""
        with self.transaction() as db:
            row = db.execute("SELECT id FROM jobs WHERE key = ?", [key]).fetchone()
            if row is not None:
                return "duplicate", int(row[0])
            pending = db.execute("SELECT COUNT(*) FROM jobs WHERE team_id = ? AND status IN ('queued', 'running')",
                                 [team_id]).fetchone()[0]
            if team_queue_max is not None and pending >= team_queue_max:
                return "refused", int(pending)
            if queue_max is not None:
                total = db.execute("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[0]
                if total >= queue_max:
                    return "refused", int(pending)
            db.execute("INSERT INTO jobs (key, team_id, kind, payload_json, status, priority, attempts, "
                       "available_at, created_at) VALUES (?, ?, ?, ?, 'queued', ?, 0, ?, ?)",
                       [key, team_id, kind, payload_json, priority, now, stamp])
            return "queued", int(pending)

    def enqueue_coalesced(self, group: str, team_id: str, kind: str, payload_json: str, *, now: float, stamp: str,
                          priority: int = -1) -> bool:
        """Queue a job of ``group`` unless one of the group is still waiting (not yet running): a
        burst of requests asking for the same refresh gets one, and one queued after a running one
        still sees the latest state. True when a job was queued."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM jobs WHERE status = 'queued' AND key >= ? AND key < ? LIMIT 1",
                          [group + ":", group + ";"]).fetchone():
                return False
            db.execute("INSERT INTO jobs (key, team_id, kind, payload_json, status, priority, attempts, "
                       "available_at, created_at) VALUES (?, ?, ?, ?, 'queued', ?, 0, ?, ?)",
                       [f"{group}:{time_ns()}", team_id, kind, payload_json, priority, now, stamp])
            return True

    def claim_job(self, owner: str, *, now: float, lease: float, stamp: str,
                  team_limit: int) -> dict[str, Any] | None:
        """Take the next runnable job: highest priority, oldest first, of a team running fewer than
        ``team_limit`` jobs (so one team's flood never holds every worker)."""
        sql = ("SELECT * FROM jobs WHERE status = 'queued' AND available_at <= ? AND team_id NOT IN "
               "(SELECT team_id FROM jobs WHERE status = 'running' GROUP BY team_id HAVING COUNT(*) >= ?) "
               "ORDER BY priority DESC, id LIMIT 1")
        if self.db.execute(sql, [now, team_limit]).fetchone() is None:
            return None  # nothing to run: found without taking the write lock
        with self.transaction() as db:
            rows = list(db.query(
                "SELECT * FROM jobs WHERE status = 'queued' AND available_at <= ? AND team_id NOT IN "
                "(SELECT team_id FROM jobs WHERE status = 'running' GROUP BY team_id HAVING COUNT(*) >= ?) "
                "ORDER BY priority DESC, id LIMIT 1", [now, team_limit]))
            if not rows:
                return None
            job = rows[0]
            db.execute("UPDATE jobs SET status = 'running', attempts = attempts + 1, owner = ?, lease_until = ?, "
                       "started_at = ? WHERE id = ?", [owner, now + lease, stamp, job["id"]])
            job.update(status="running", attempts=job["attempts"] + 1, owner=owner)
            return job

    def finish_job(self, job_id: int, status: str, *, stamp: str, error: str | None = None,
                   available_at: float | None = None) -> None:
        """``done``/``dead`` (final) or ``queued`` again at ``available_at`` (a retry)."""
        with self.transaction() as db:
            db.execute("UPDATE jobs SET status = ?, error = ?, finished_at = ?, owner = NULL, "
                       "available_at = COALESCE(?, available_at) WHERE id = ?",
                       [status, error, stamp if status in ("done", "dead") else None, available_at, job_id])

    def requeue_jobs(self, *, now: float, all_running: bool = False) -> int:
        """Put back in the queue the running jobs whose lease expired (a worker that died or hung), or
        every running job (``all_running``: start-up of the only worker process after a crash)."""
        with self.transaction() as db:
            where = "" if all_running else " AND lease_until < ?"
            cur = db.execute("UPDATE jobs SET status = 'queued', owner = NULL WHERE status = 'running'" + where,
                             [] if all_running else [now])
            return cur.rowcount

    def renew_leases(self, owner: str, until: float) -> None:
        with self.transaction() as db:
            db.execute("UPDATE jobs SET lease_until = ? WHERE status = 'running' AND owner = ?", [until, owner])

    def job_counts(self, team_id: str | None = None) -> dict[str, int]:
        sql = "SELECT status, COUNT(*) FROM jobs"
        args: list[Any] = []
        if team_id is not None:
            sql += " WHERE team_id = ?"
            args.append(team_id)
        return {str(s): int(n) for s, n in self.db.execute(sql + " GROUP BY status", args).fetchall()}

    def jobs(self, team_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM jobs"
        args: list[Any] = []
        if team_id is not None:
            sql += " WHERE team_id = ?"
            args.append(team_id)
        return list(self.db.query(sql + " ORDER BY id", args))

    def oldest_running_start(self) -> str | None:
        row = self.db.execute("SELECT MIN(started_at) FROM jobs WHERE status = 'running'").fetchone()
        return row[0] if row else None

    def prune_jobs(self, before: str) -> int:
        """Drop finished jobs (done/dead) finished before the stamp ``before``; the key of a job is its
        dedupe claim, so keep them at least as long as Slack may retry (a day is plenty)."""
        with self.transaction() as db:
            return db.execute("DELETE FROM jobs WHERE status IN ('done', 'dead') AND finished_at < ?",
                              [before]).rowcount

    # ----- posts ledger (post once by key) -----------------------------------------------------
    def post_record(self, key: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM posts WHERE key = ?", [key]))
        return rows[0] if rows else None

    def post_sending(self, key: str, team_id: str, channel_id: str, thread_ts: str | None, sent_at: float) -> None:
        """Note that a post is about to be sent (before the Web API call)."""
        with self.transaction() as db:
            db.execute("INSERT INTO posts (key, team_id, channel_id, thread_ts, status, sent_at) "
                       "VALUES (?, ?, ?, ?, 'sending', ?) ON CONFLICT(key) DO UPDATE SET sent_at = "
                       "MIN(posts.sent_at, excluded.sent_at)",
                       [key, team_id, channel_id, thread_ts, sent_at])

    def post_forget(self, key: str) -> None:
        """Drop a 'sending' ledger row whose post Slack refused (it was certainly not posted)."""
        with self.transaction() as db:
            db.execute("DELETE FROM posts WHERE key = ? AND status = 'sending'", [key])

    def post_done(self, key: str, ts: str, stamp: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE posts SET status = 'posted', ts = ?, posted_at = ? WHERE key = ?", [ts, stamp, key])

    # ----- health ---------------------------------------------------------------------------------
    def write_probe(self, owner: str, stamp: str) -> None:
        """Write (and commit) one row through a fresh connection: raises when the database cannot be
        written (read-only file or mount, full disk, lost lock)."""
        conn = self._connect(2.0)
        try:
            conn.execute("INSERT INTO health (id, beat, owner) VALUES (1, ?, ?) "
                         "ON CONFLICT(id) DO UPDATE SET beat = excluded.beat, owner = excluded.owner", [stamp, owner])
            conn.commit()
        finally:
            conn.close()

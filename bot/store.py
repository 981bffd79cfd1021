"""SQLite store of the bot (sqlite-utils): positions, marks, threads, conversation, posts.

Everything is scoped by Slack ``team_id`` (the terminal uses team ``"local"``); no query reads across
teams. Schema changes are versioned migrations (``MIGRATIONS``, applied in order, recorded in
``schema_version``). The database runs in WAL mode with a busy timeout; every write that spans
tables runs inside one explicit transaction (``Store.transaction``). One connection per thread.

Concurrency guarantees used by the bot:
- ``claim_event(event_id)``: unique insert; the first delivery of a Slack event wins, a retry of an
  event whose first delivery never arrived is still processed; ``release_event`` undoes a claim whose
  processing failed, so Slack's next retry is answered.
- ``claim_daily_post(team, channel, date)``: unique (team, channel, date) slot claimed inside a
  ``BEGIN IMMEDIATE`` transaction, so two processes cannot both post; a failed post is re-claimable.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from alvh_core.clock import Clock, desk_date_of, system_clock, utc_now, utc_stamp
from alvh_core.models import IronCondor

BUSY_TIMEOUT_MS = 10_000
#: A claimed daily post that was neither posted nor failed after this long is re-claimable
#: (the process that claimed it died).
STALE_CLAIM = dt.timedelta(minutes=10)
MAX_POST_ATTEMPTS = 5


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


#: Applied in order; version i+1 is MIGRATIONS[i]. Append, never edit a released one.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_m1_initial, _m2_lifecycle]


class Store:
    """Thread-safe (a connection per thread) SQLite store at ``path``.

    Every stored instant is stamped by ``clock`` (UTC ISO-8601 with offset); the ``asof`` of an analysis
    is the desk's (New York) date. ``Services`` binds the store to its own clock (``use_clock``), so the
    bot has one clock: what the store stamps and what the assistant reads agree.
    """

    def __init__(self, path: str | Path, clock: Clock = system_clock):
        self.path = str(path)
        self.clock: Clock = clock
        self._local = threading.local()
        self.migrate()

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
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db = sqlite_utils.Database(conn)
            if db.journal_mode != "wal":
                db.enable_wal()
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One ``BEGIN IMMEDIATE`` transaction (takes the write lock at once: no upgrade deadlock)."""
        db = self.db
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
        else:
            db.conn.execute("COMMIT")

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version."""
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
        with self.transaction() as db:
            t = db["positions"].insert({
                "team_id": team_id, "user_id": user_id, "channel_id": channel_id,
                "description": condor.describe(), "condor_json": condor.model_dump_json(),
                "status": "open", "opened_at": self._now(), "closed_at": None})
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
        with self.transaction() as db:
            t = db["marks"].insert({"team_id": team_id, "user_id": user_id, "asof": asof.isoformat(),
                                "spot": float(spot), "vix": float(vix), "source": source,
                                "recorded_at": self._now()})
            return int(t.last_pk)

    def latest_mark(self, team_id: str, on_or_before: dt.date | None = None) -> dict[str, Any] | None:
        sql = "SELECT * FROM marks WHERE team_id = ?"
        args: list[Any] = [team_id]
        if on_or_before is not None:
            sql += " AND asof <= ?"
            args.append(on_or_before.isoformat())
        rows = list(self.db.query(sql + " ORDER BY asof DESC, id DESC LIMIT 1", args))
        return rows[0] if rows else None

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
        with self.transaction() as db:
            analysis_id = 0
            if analysis_json is not None:
                t = db["analyses"].insert({"team_id": team_id, "position_id": position_id, "kind": kind,
                                       "asof": desk_date_of(now).isoformat(), "result_json": analysis_json,
                                       "assumptions_json": assumptions_json, "created_at": now})
                analysis_id = int(t.last_pk)
            common = {"team_id": team_id, "channel_id": channel_id, "thread_ts": thread_ts,
                      "position_id": position_id, "kind": kind, "created_at": now}
            db["messages"].insert({**common, "user_id": user_id, "role": "question", "text": question,
                                   "analysis_json": None, "assumptions_json": None})
            db["messages"].insert({**common, "user_id": None, "role": "answer", "text": answer,
                                   "analysis_json": analysis_json, "assumptions_json": assumptions_json})
            return analysis_id

    def thread_messages(self, team_id: str, channel_id: str, thread_ts: str) -> list[dict[str, Any]]:
        return list(self.db.query(
            "SELECT * FROM messages WHERE team_id = ? AND channel_id = ? AND thread_ts = ? ORDER BY id",
            [team_id, channel_id, thread_ts]))

    def messages_between(self, team_id: str, start: dt.datetime, end: dt.datetime,
                         position_id: int | None = None) -> list[dict[str, Any]]:
        """Messages of one team with ``start <= created_at < end`` (UTC), e.g. "what did we decide Tuesday"."""
        sql = "SELECT * FROM messages WHERE team_id = ? AND created_at >= ? AND created_at < ?"
        args: list[Any] = [team_id, start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")]
        if position_id is not None:
            sql += " AND position_id = ?"
            args.append(position_id)
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

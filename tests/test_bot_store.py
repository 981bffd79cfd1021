"""The SQLite store: migrations, team scoping, atomic exchanges, one daily post per slot across
processes, event claims; and the market-data sources behind the protocol."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest

from alvh_core.models import IronCondor
from bot.market_data import CsvDailyMarks, FirstAvailable, MarketDataSource, RecordedMarks
from bot.store import MIGRATIONS, STALE_CLAIM, Store

CONDOR = IronCondor(expiry=dt.date(2027, 1, 8), long_put=5600, short_put=5650, short_call=6150,
                    long_call=6200, quantity=10, credit=17.0)
DAY = dt.date(2026, 11, 24)


def test_migrations_are_versioned_and_idempotent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Store(tmp_path / "a.sqlite")
    assert s.schema_version() == len(MIGRATIONS)
    assert s.db.journal_mode == "wal"
    assert int(s.db.execute("PRAGMA busy_timeout").fetchone()[0]) >= 5000
    s2 = Store(tmp_path / "a.sqlite")  # a restart applies nothing twice
    assert s2.db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    for table in ("positions", "marks", "threads", "messages", "analyses", "subscriptions", "daily_posts",
                  "processed_events"):
        assert table in s2.db.table_names()


def test_positions_and_marks_are_team_scoped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Store(tmp_path / "b.sqlite")
    pid = s.add_position("T1", "U1", "C1", CONDOR)
    assert s.position("T1", pid) is not None and s.position("T2", pid) is None
    assert s.condor_of(s.position("T1", pid)) == CONDOR
    assert s.open_positions("T2") == [] and not s.close_position("T2", pid)
    s.add_mark("T1", "U1", DAY, 5900, 18)
    assert s.latest_mark("T2") is None
    assert RecordedMarks(s).latest("T1", DAY).spot == 5900
    assert RecordedMarks(s).latest("T1", DAY - dt.timedelta(days=1)) is None
    assert s.close_position("T1", pid) and not s.close_position("T1", pid)


def test_exchange_is_atomic(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Store(tmp_path / "c.sqlite")
    # the analysis row is written first, then the question fails NOT NULL: nothing may remain
    with pytest.raises(sqlite3.IntegrityError):
        s.record_exchange("T1", "C1", "1.1", 1, "U1", None, "a", "status", '{"x": 1}', ["m"])  # type: ignore[arg-type]
    assert s.db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    assert s.db.execute("SELECT COUNT(*) FROM analyses").fetchone()[0] == 0
    aid = s.record_exchange("T1", "C1", "1.1", 1, "U1", "q", "a", "status", '{"x": 1}', ["m"])
    assert aid == 1
    msgs = s.thread_messages("T1", "C1", "1.1")
    assert [(m["role"], m["text"]) for m in msgs] == [("question", "q"), ("answer", "a")]
    assert s.thread_messages("T2", "C1", "1.1") == []


def test_daily_slot_claimed_once_across_processes_and_retried_after_failure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "d.sqlite"
    stores = [Store(path) for _ in range(4)]  # four "processes" (separate connections)
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def claim(s: Store) -> None:
        barrier.wait()
        wins.append(s.claim_daily_post("T1", "C1", DAY))

    threads = [threading.Thread(target=claim, args=(stores[i % 4],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
    s = stores[0]
    s.finish_daily_post("T1", "C1", DAY, ok=False, error="ratelimited")
    assert s.claim_daily_post("T1", "C1", DAY) and not stores[1].claim_daily_post("T1", "C1", DAY)
    s.finish_daily_post("T1", "C1", DAY, ok=True, message_ts="1.2")
    assert not s.claim_daily_post("T1", "C1", DAY)
    assert s.claim_daily_post("T1", "C1", DAY + dt.timedelta(days=1))
    # a claim whose process died is taken over after STALE_CLAIM, not before
    now = dt.datetime.now(dt.UTC)
    assert s.claim_daily_post("T1", "C2", DAY, now=now)
    assert not s.claim_daily_post("T1", "C2", DAY, now=now + STALE_CLAIM / 2)
    assert s.claim_daily_post("T1", "C2", DAY, now=now + 2 * STALE_CLAIM)


def test_event_claims_first_delivery_and_release(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Store(tmp_path / "e.sqlite")
    assert s.claim_event("Ev1", "T1") and not s.claim_event("Ev1", "T1")
    s.release_event("Ev1")
    assert s.claim_event("Ev1", "T1")


def test_csv_marks_and_first_available(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "spx_daily.csv").write_text("date,open,high,low,close\n2018-12-27,1,1,1,2488.83\n"
                                            "2018-12-28,1,1,1,2485.74\n2018-12-31,1,1,1,2506.85\n")
    (tmp_path / "vix_daily.csv").write_text("date,open,high,low,close\n2018-12-27,1,1,1,29.96\n"
                                            "2018-12-28,1,1,1,28.34\n2018-12-31,1,1,1,25.42\n")
    csv_marks = CsvDailyMarks(tmp_path)
    assert isinstance(csv_marks, MarketDataSource)
    m = csv_marks.latest("any", dt.date(2018, 12, 30))
    assert (m.spot, m.vix, m.asof) == (2485.74, 28.34, dt.date(2018, 12, 28))
    assert csv_marks.latest("any", dt.date(2018, 1, 1)) is None
    store = Store(tmp_path / "f.sqlite")
    store.add_mark("T1", "U1", dt.date(2019, 1, 2), 2510.03, 23.22)
    both = FirstAvailable(RecordedMarks(store), csv_marks)
    assert both.latest("T1", dt.date(2019, 1, 3)).spot == 2510.03  # the newer recorded mark wins
    assert both.latest("T2", dt.date(2019, 1, 3)).spot == 2506.85  # other teams see only the CSV


def test_csv_marks_on_the_shared_history(shared_data) -> None:  # type: ignore[no-untyped-def]
    m = CsvDailyMarks(shared_data).latest("T1", dt.date(2008, 11, 20))
    assert m.asof == dt.date(2008, 11, 20) and m.vix == 80.86  # PROVENANCE.md: the 2008 peak close

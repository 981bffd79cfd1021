"""Pure pieces of the durable pipeline: workspace resolution, the budget, header/depth checks, pages,
backoff, and the queue's fairness and bounds on a bare store (no HTTP)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.jobs import JobQueue, Limits, backoff_s
from bot.listeners.delivery import covered, paginate
from bot.listeners.work import Budget, resolve_team
from bot.payload_guard import json_depth_problem, timestamp_problem
from bot.reply import Reply, Table
from bot.store import Store


@pytest.mark.parametrize(("body", "team"), [
    ({"team": {"id": "T1"}, "user": {"team_id": "T9"}}, "T1"),
    ({"team_id": "T2"}, "T2"),
    ({"team": None, "user": {"id": "U1", "team_id": "T3"}}, "T3"),
    ({"team": None, "view": {"team_id": "T4"}}, "T4"),
    ({"event": {"team": "T5"}}, "T5"),
    ({"authorizations": [{"team_id": None, "enterprise_id": "E7"}]}, "E:E7"),
    ({"team": None, "enterprise": {"id": "E1"}}, "E:E1"),
    ({"team": None, "user": {"id": "U1"}}, None),
    ({"team": {"id": ""}, "team_id": 5}, None),
])
def test_resolve_team(body: dict, team: str | None) -> None:  # type: ignore[type-arg]
    assert resolve_team(body) == team


def test_budget_names_the_limit_and_what_fits() -> None:
    b = Budget(max_paths=100_000, max_path_days=5_000_000)
    assert b.paths_problem(100_000) is None
    assert "200,000 is above this bot's limit of 100,000" in (b.paths_problem(200_000) or "")
    assert b.compare_problem(20_000, 250) is None  # exactly 5,000,000 path-days
    msg = b.compare_problem(20_000, 251) or ""
    assert "20,000 paths x 251 days" in msg and "paths 19920" in msg  # 5e6 // 251 = 19920 (even)
    assert "too far from expiry" in (b.compare_problem(20_000, 3_000_000) or "")


@pytest.mark.parametrize(("stamp", "ok"), [(None, True), ("1700000000", True), ("¹²³", False),
                                           ("9" * 400, False), ("-1", False), ("1e9", False), ("", False)])
def test_timestamp_problem(stamp: str | None, ok: bool) -> None:
    assert (timestamp_problem(stamp) is None) == ok


def test_json_depth_is_counted_outside_strings_only() -> None:
    assert json_depth_problem(json.dumps({"a": "[[[[{{{{" * 100})) is None
    assert json_depth_problem(json.dumps({"a": 'x\\"[[' * 50})) is None
    nested: object = 1
    for _ in range(32):
        nested = [nested]
    assert json_depth_problem(json.dumps(nested)) is None
    assert json_depth_problem(json.dumps([nested])) == "JSON nested deeper than 32 levels"


def test_paginate_keeps_every_row_and_note_and_counts_them() -> None:
    rows = [[f"#{i}", "x"] for i in range(1, 61)]
    reply = Reply(kind="list", title="Open positions (60)", text="...", table=Table(columns=["id", "p"], rows=rows),
                  assumptions=["a"], buttons=[])
    pages = paginate(reply, per_page=25)
    assert [len(p.table.rows) for p in pages if p.table] == [25, 25, 10]
    assert [r for p in pages if p.table for r in p.table.rows] == rows
    assert [p.title for p in pages] == ["Open positions (60) (1-25 of 60, page 1/3)",
                                        "Open positions (60) (26-50 of 60, page 2/3)",
                                        "Open positions (60) (51-60 of 60, page 3/3)"]
    assert pages[0].assumptions == ["a"] and pages[1].assumptions == []
    assert covered(reply) == 60 and paginate(reply, per_page=60) == [reply]


def test_backoff_doubles_to_a_minute() -> None:
    assert [backoff_s(n) for n in (1, 2, 3, 4, 7, 20)] == [1, 2, 4, 8, 60, 60]


def test_queue_dedupes_bounds_and_keeps_one_team_to_its_share(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite")
    q = JobQueue(store, Limits(team_concurrency=2, team_queue=4, queue_max=6))
    outcomes = [q.submit("command", f"command:TA:{i}", "TA", {"i": i}).outcome for i in range(5)]
    assert outcomes == ["queued"] * 4 + ["refused"]
    assert q.submit("command", "command:TA:0", "TA", {}).outcome == "duplicate"
    assert q.submit("command", "command:TB:0", "TB", {}).outcome == "queued"
    assert q.submit("command", "command:TB:1", "TB", {}).outcome == "queued"
    assert q.submit("command", "command:TC:0", "TC", {}).outcome == "refused"  # the whole queue is full (6)
    claimed = [q.claim("w") for _ in range(5)]
    teams = [j.team_id if j else None for j in claimed]
    assert teams == ["TA", "TA", "TB", "TB", None]  # A holds 2 running: its 3rd waits, B is served
    first = claimed[0]
    assert first is not None and q.failed(first, "RuntimeError: xoxb-123-456 leaked") is True
    row = next(j for j in store.jobs("TA") if j["id"] == first.id)
    assert row["status"] == "queued" and "xoxb" not in row["error"] and row["available_at"] > q.now()


def test_coalesced_jobs_queue_once_per_burst_and_again_after_one_started(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite")
    q = JobQueue(store, Limits())
    assert [q.submit_coalesced("home", "home:T1:U1", "T1", {"user": "U1"}) for _ in range(5)] == [
        True, False, False, False, False]
    assert q.submit_coalesced("home", "home:T1:U2", "T1", {"user": "U2"})  # another user: its own
    assert q.submit_coalesced("home", "home:T10:U1", "T10", {"user": "U1"})  # a prefix is not the group
    job = q.claim("w")
    assert job is not None and job.kind == "home"
    assert q.submit_coalesced("home", "home:T1:U1", "T1", {"user": "U1"})  # the first one is running now
    assert q.submit("command", "command:T1:x", "T1", {}).outcome == "queued"
    assert q.claim("w").kind == "command"  # type: ignore[union-attr]  # user requests before refreshes

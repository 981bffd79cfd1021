"""Large desks: `list` and the daily summary page through every position (several messages, or the
first page plus a file beyond a few pages), nothing dropped, each saying how many positions it covers."""
from __future__ import annotations

import json
import re
from pathlib import Path

from test_reliability_harness import NOW, TODAY, seed_team, served_bot

from alvh_core.grammar import parse_position


def _bulk_positions(store, team: str, channel: str, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    condor = parse_position("SPX IC 5600/5650/6150/6200 2026-12-18 x1 @4.80", TODAY)
    with store.transaction() as db:
        for _ in range(n):
            db.execute("INSERT INTO positions (team_id, user_id, channel_id, description, condor_json, status, "
                       "opened_at) VALUES (?, 'U1', ?, ?, ?, 'open', ?)",
                       [team, channel, condor.describe(), condor.model_dump_json(), NOW.isoformat()])
    return [r["id"] for r in store.open_positions(team, channel)]


def _ids(text: str) -> set[int]:
    return {int(x) for x in re.findall(r"#(\d+)", text)}


def test_list_of_60_is_three_messages_with_every_position(tmp_path: Path) -> None:
    with served_bot(tmp_path) as bot:
        ids = set(_bulk_positions(bot.store, "T1", "C1", 60))
        assert bot.command("list")[0] == 200
        bot.drain()
        posts = [c.args for c in bot.slack.recorder.of("chat.postMessage")]
        assert len(posts) == 3
        assert _ids(" ".join(p["text"] for p in posts)) == ids
        assert all("of 60" in p["text"].splitlines()[0] for p in posts)
        assert posts[1]["thread_ts"] == posts[2]["thread_ts"] and posts[0].get("thread_ts") is None
        for p in posts:  # every page within Block Kit's limits: nothing clipped
            blocks = p["blocks"] if isinstance(p["blocks"], list) else json.loads(p["blocks"])
            assert len(blocks) <= 50 and "…" not in json.dumps(blocks)
            for b in blocks:
                if b["type"] == "table":
                    assert len(b["rows"]) <= 100
                elif "text" in b and isinstance(b["text"], dict):
                    assert len(b["text"]["text"]) <= 3_000


def test_list_of_2000_is_a_first_page_and_a_file_with_all_of_them(tmp_path: Path) -> None:
    with served_bot(tmp_path) as bot:
        ids = set(_bulk_positions(bot.store, "T1", "C1", 2000))
        assert bot.command("list")[0] == 200
        bot.drain()
        posts = [c.args for c in bot.slack.recorder.of("chat.postMessage")]
        assert len(posts) == 1 and "of 2000" in posts[0]["text"] and "2000 positions in all" in json.dumps(posts[0])
        uploads = bot.slack.recorder.of("upload")
        assert len(uploads) == 1
        assert _ids(uploads[0].body.decode()) == ids
        done = bot.slack.recorder.of("files.completeUploadExternal")[0].args
        assert done["thread_ts"] == min(bot.slack.messages)  # the file lands in the first page's thread


def test_daily_summary_of_100_positions_pages_through_all(tmp_path: Path) -> None:
    from bot.schedule import run_daily, slack_poster
    from bot.slack_client import make_web_client

    with served_bot(tmp_path) as bot:
        seed_team(bot.store, "T1", "C0")  # today's marks (and one position elsewhere)
        ids = set(_bulk_positions(bot.store, "T1", "C1", 100))
        bot.store.subscribe("T1", "C1", "16:15", "U1")
        results = run_daily(bot.services, slack_poster(make_web_client("xoxb-t", bot.slack.api_url), bot.store),
                            now=NOW, force=True)
        assert [r.status for r in results] == ["posted"]
        posts = [c.args for c in bot.slack.recorder.of("chat.postMessage")]
        assert len(posts) == 4 and all("of 100" in p["text"].splitlines()[0] for p in posts)
        assert _ids(" ".join(p["text"] for p in posts)) == ids
        # run again after a "crash" that lost the claim's outcome: nothing is posted twice
        with bot.store.transaction() as db:
            db.execute("UPDATE daily_posts SET status = 'failed'")
        again = run_daily(bot.services, slack_poster(make_web_client("xoxb-t", bot.slack.api_url), bot.store),
                          now=NOW, force=True)
        assert [r.status for r in again] == ["posted"]
        assert len(bot.slack.recorder.of("chat.postMessage")) == 4

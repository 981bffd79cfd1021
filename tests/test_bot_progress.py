"""Long work posts "working..." and replaces it in place (chat.update); answers say who asked (issue 15)."""
from __future__ import annotations

import json

from tests.test_bot_e2e import Env, env, eventually, open_position  # noqa: F401  (env: the fake-Slack fixture)


def test_compare_posts_working_then_updates_it_in_place(env: Env) -> None:  # noqa: F811
    open_position(env)
    n_posts = len(env.rec.of("chat.postMessage"))
    env.served.command("compare 1", response_url=env.slack.response_url())
    update = eventually(lambda: [c for c in env.rec.of("chat.update") if "Management choices" in str(c.args)], 30.0)
    assert update
    working = env.rec.of("chat.postMessage")[n_posts]
    assert working.args["text"] == ":hourglass_flowing_sand: working on <@U1>'s /alvh compare 1..."
    # the answer replaced that very message: one message in the channel for the compare, the answer in it
    msgs = [m for m in env.slack.channel_posts("C1") if "Management choices" in m["text"]]
    assert len(msgs) == 1 and "Management choices" in env.slack.messages[update[0].args["ts"]]["text"]
    assert not any("working on" in m["text"] for m in env.slack.channel_posts("C1"))
    blocks = update[0].args["blocks"]
    blocks = blocks if isinstance(blocks, list) else json.loads(blocks)
    assert blocks[1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "asked by <@U1>: `/alvh compare 1`"}]}
    assert msgs[0]["text"].endswith("(asked by <@U1>)")


def test_a_typo_gets_no_working_message(env: Env) -> None:  # noqa: F811
    env.served.command("compare banana", response_url=env.slack.response_url())
    eventually(lambda: env.rec.of("response_url"))
    assert env.rec.of("chat.postMessage") == [] and env.rec.of("chat.delete") == []


def test_a_change_is_posted_in_the_positions_thread(env: Env) -> None:  # noqa: F811
    open_position(env)
    thread_ts = env.services.store.db.execute("SELECT thread_ts FROM threads").fetchone()[0]
    env.served.command("roll 1 call to 6200/6250 at -0.30", response_url=env.slack.response_url())
    post = eventually(lambda: [c.args for c in env.rec.of("chat.postMessage") if "rolled" in str(c.args.get("text"))])
    assert post and post[0]["thread_ts"] == thread_ts and post[0]["reply_broadcast"] in (True, "1", "true")
    assert "<@U1> rolled call 6150/6200 to 6200/6250 for a debit of 0.30" in post[0]["text"]

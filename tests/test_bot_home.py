"""App Home (open positions, P&L, tested wing, hedge held, greek totals; republished when marks change)
and DMs that work like a thread, end to end against the fake Slack (issue 15)."""
from __future__ import annotations

import json

from tests.test_bot_e2e import Env, env, open_position  # noqa: F401  (env is the fake-Slack fixture)


def _home_text(call) -> str:  # type: ignore[no-untyped-def]
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    return json.dumps(view["blocks"])


def test_home_tab_lists_the_desk_and_follows_marks(env: Env) -> None:  # noqa: F811
    open_position(env)
    env.served.command("hedge 1 bought 2 vx jan @18", response_url=env.slack.response_url())
    env.rec.wait_for(lambda calls: any("Hedge recorded" in str(c.args.get("text")) for c in calls))
    n = len(env.rec.of("views.publish"))
    assert env.served.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, "EvH1")[0] == 200
    # a refresh queued by the earlier changes may publish first: wait for one that has the hedge, then check it
    calls = env.rec.wait_for(lambda calls: len([c for c in calls if c.method == "views.publish"]) > n and any(
        c.method == "views.publish" and "hedge held" in _home_text(c) for c in calls))
    home = _home_text([c for c in calls if c.method == "views.publish" and "hedge held" in _home_text(c)][-1])
    assert "Open positions (1)" in home and "*#1* SPX" in home and "tested: none" in home
    assert "hedge held: long 2 x VX exp" in home and "with hedge" in home and "Theta $/day" in home
    # new marks: the Home tab is republished with the new P&L
    env.served.command("mark spot 5700 vix 25", response_url=env.slack.response_url())
    env.rec.wait_for(lambda calls: any(c.method == "views.publish" and "SPX 5,700.00 / VIX 25.00" in _home_text(c)
                                       for c in calls))


def test_dm_works_like_a_thread(env: Env) -> None:  # noqa: F811
    open_position(env)
    dm = {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "ts": "1700000200.000001",
          "team": "T1", "text": "status 1"}
    assert env.served.event(dm, "EvD1")[0] == 200
    env.served.event({**dm, "text": "what if SPX 5600 and VIX 32 in 5 days?", "ts": "1700000200.000002"}, "EvD2")
    posts = env.rec.wait_for(lambda calls: len([c for c in calls if c.method == "chat.postMessage"
                                                and c.args.get("channel") == "D1"]) >= 2)
    texts = [c.args["text"] for c in posts if c.method == "chat.postMessage" and c.args.get("channel") == "D1"]
    assert any(t.startswith("#1 SPX") for t in texts)
    assert any(t.startswith("What if SPX 5,600, VIX 32.0, 5 days on") for t in texts)


def test_manifest_subscribes_to_home_and_dms() -> None:
    from pathlib import Path

    import yaml

    m = yaml.safe_load((Path(__file__).parents[1] / "manifest.yml").read_text())
    assert m["features"]["app_home"]["home_tab_enabled"] and m["features"]["app_home"]["messages_tab_enabled"]
    assert {"im:history", "im:read", "im:write", "chat:write"} <= set(m["oauth_config"]["scopes"]["bot"])
    assert {"message.im", "app_home_opened"} <= set(m["settings"]["event_subscriptions"]["bot_events"])


def test_a_dm_sentence_that_records_a_condor_opens_it(env: Env) -> None:  # noqa: F811
    """"I sold SPX ..." in a DM, over HTTP against the fake Slack: the condor is recorded and posted."""
    dm = {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "ts": "1700000300.000001",
          "team": "T1", "text": "I sold SPX 2026-12-18 5600/5650P 6150/6200C x10 @13.80"}
    assert env.served.event(dm, "EvS1")[0] == 200
    posts = env.rec.wait_for(lambda calls: any(c.method in ("chat.postMessage", "chat.update")
                                               and c.args.get("channel") == "D1"
                                               and "Recorded #1" in str(c.args.get("text", "")) for c in calls))
    texts = [str(c.args.get("text", "")) for c in posts if c.args.get("channel") == "D1"]
    assert any("Recorded #1: SPX 2026-12-18 5600/5650P 6150/6200C x10 @13.80" in t for t in texts), texts

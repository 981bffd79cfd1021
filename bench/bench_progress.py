"""Time to first feedback in Slack vs time to the answer, for the slow requests of issue 15.

    python bench/bench_progress.py [--paths N] [--rounds R]

The real Bolt app behind waitress on loopback, Slack faked by tests/fake_slack.py (SQLite in a temp
dir). For `/alvh compare 1` (N Monte Carlo paths, the bot's default 20,000) and the thread question
"should I leg out?", it measures from the signed request to the first message the user sees (the
"working..." post) and to the answer replacing it (chat.update); the median of R rounds is printed,
with the ratio first-feedback / answer.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fake_slack import FakeSlack, ServedApp  # noqa: E402
from tests.test_bot_e2e import NOW, SECRET  # noqa: E402


def wait(pred, timeout: float = 120.0) -> float:  # type: ignore[no-untyped-def]
    t_end = time.perf_counter() + timeout
    while not pred():
        if time.perf_counter() > t_end:
            raise TimeoutError("no answer")
        time.sleep(0.002)
    return time.perf_counter()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from bot.app import build_app
    from bot.market_data import RecordedMarks
    from bot.services import Services
    from bot.settings import Settings
    from bot.store import Store

    results: dict[str, list[tuple[float, float]]] = {"/alvh compare 1": [], "thread: should I leg out?": []}
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        store = Store(Path(tmp) / "b.sqlite")
        services = Services(store=store, market_data=RecordedMarks(store), clock=lambda: NOW,
                            compare_paths=args.paths, charts=False)
        settings = Settings(SLACK_BOT_TOKEN="xoxb" + "-bench", SLACK_SIGNING_SECRET=SECRET,
                            SLACK_API_URL=slack.api_url)
        with ServedApp(build_app(settings, services), SECRET) as served:
            store.add_mark("T1", "U1", NOW.date(), 5900.0, 18.0)
            served.command("open SPX IC 5600/5650/6150/6200 45DTE x10 @17", response_url=slack.response_url())
            wait(lambda: store.thread("T1", "C1", next(iter(slack.messages), "")) is not None)
            thread_ts = next(iter(slack.messages))
            for r in range(args.rounds):
                n_post, n_upd = len(slack.recorder.of("chat.postMessage")), len(slack.recorder.of("chat.update"))
                t0 = time.perf_counter()
                served.command("compare 1", response_url=slack.response_url())
                t1 = wait(lambda: len(slack.recorder.of("chat.postMessage")) > n_post)
                t2 = wait(lambda: len(slack.recorder.of("chat.update")) > n_upd)
                results["/alvh compare 1"].append((t1 - t0, t2 - t0))
                n_post, n_upd = len(slack.recorder.of("chat.postMessage")), len(slack.recorder.of("chat.update"))
                t0 = time.perf_counter()
                served.event({"type": "message", "channel": "C1", "user": "U1", "text": "should I leg out?",
                              "ts": f"1700000900.{r:06d}", "thread_ts": thread_ts, "team": "T1"}, f"EvB{r}")
                t1 = wait(lambda: len(slack.recorder.of("chat.postMessage")) > n_post)
                t2 = wait(lambda: len(slack.recorder.of("chat.update")) > n_upd)
                results["thread: should I leg out?"].append((t1 - t0, t2 - t0))
    print(f"{args.paths:,} paths, median of {args.rounds} rounds (2 shared CPU cores)")
    for name, rows in results.items():
        first = statistics.median(a for a, _ in rows)
        answer = statistics.median(b for _, b in rows)
        print(f"{name:28s} first feedback {first * 1000:7.0f} ms   answer {answer * 1000:7.0f} ms   "
              f"ratio {first / answer:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

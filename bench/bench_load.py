"""Acknowledgement latency and throughput of the Slack endpoint under concurrent load, beside a baseline.

    python bench/bench_load.py [--requests N] [--concurrency C] [--threads T] [--rounds R]

One waitress server (T threads) on loopback serves the real Bolt app at /slack/events (Slack faked by
tests/fake_slack.py, SQLite in a temp dir) and, as the baseline, a bare Flask route /bare that returns
200 at once (same server, same thread pool, same client). Each round sends N requests from C client
threads to: the bare route, signed ``/alvh mark ...`` slash commands, and signed thread-message events
(four teams); rounds are interleaved and the median round is reported. Printed per load: ack latency
p50/p99 (ms), throughput (requests/s), and ratios to the baseline. Each ack writes a job row (the
durable queue, bot/jobs.py); the workers' answers are drained after each round and not timed: Slack
only waits for the acknowledgement (3 s limit).

``--flood N`` adds the starvation scenario of issue 14: team A sends N `/alvh compare paths 20000` at
once while team B sends `list` every 0.5 s; printed: B's answer latency (request to post, p50/max),
how many of A's were refused at the queue bound, the time to drain A's, and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fake_slack import FakeSlack, sign  # noqa: E402
from test_reliability_harness import BOT_TOKEN, NOW, SECRET, command_body, message_event, seed_team  # noqa: E402

TEAMS = ["TA", "TB", "TC", "TD"]


def post(url: str, body: str, headers: dict[str, str]) -> float:
    t0 = time.perf_counter()
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()
        assert resp.status == 200
    return time.perf_counter() - t0


def run_load(make_request, n: int, concurrency: int) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    """Latencies (s) of n requests from `concurrency` threads, and the wall time (s)."""
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        lat = list(pool.map(lambda i: make_request(i), range(n)))
    return lat, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--flood", type=int, default=0, help="team A's concurrent compares (0: skip)")
    args = ap.parse_args()

    from flask import Response
    from waitress import create_server

    from bot.app import build_app, flask_app, pool_of
    from bot.market_data import RecordedMarks
    from bot.services import Services
    from bot.settings import Settings
    from bot.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="bench_load_"))
    results: dict[str, list[tuple[list[float], float]]] = {"bare": [], "slash command": [], "thread event": []}
    with FakeSlack() as slack:
        settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=slack.api_url,
                            alvh_db=str(tmp / "bench.sqlite"), team_queue=100_000, _env_file=None)
        store = Store(settings.alvh_db)
        threads = {}
        for i, team in enumerate(TEAMS):
            pid = seed_team(store, team, f"C{team}", f"U{team}")
            threads[team] = f"16000000{i:02d}.000100"  # not a ts the fake Slack hands out
            store.link_thread(team, f"C{team}", threads[team], pid)
        services = Services(store=store, market_data=RecordedMarks(store), clock=lambda: NOW, charts=False)

        def serve_round(kind: str, round_no: int) -> tuple[list[float], float]:
            # a fresh app per round so its lazy executor can be drained
            app = build_app(settings, services)
            web = flask_app(app)
            web.add_url_rule("/bare", "bare", lambda: Response(status=200), methods=["POST"])
            server = create_server(web, host="127.0.0.1", port=0, threads=args.threads, asyncore_loop_timeout=0.1)
            th = threading.Thread(target=lambda: _run(server), daemon=True)
            th.start()
            base = f"http://127.0.0.1:{server.effective_port}"
            try:
                if kind == "bare":
                    def req(i: int) -> float:
                        return post(base + "/bare", "x=1", {"Content-Type": "application/x-www-form-urlencoded"})
                elif kind == "slash command":
                    def req(i: int) -> float:
                        team = TEAMS[i % len(TEAMS)]
                        body = command_body(f"mark spot {5000 + i} vix 18", team, f"U{team}", f"C{team}",
                                            response_url=slack.response_url(team))
                        return post(base + "/slack/events", body,
                                    {"Content-Type": "application/x-www-form-urlencoded", **sign(body, SECRET)})
                else:
                    def req(i: int) -> float:
                        team = TEAMS[i % len(TEAMS)]
                        ev = message_event(team, f"C{team}", f"U{team}", "explain gamma",
                                           f"17{round_no:02d}{i:06d}.000001", threads[team], f"Ev{round_no}-{i}")
                        body = json.dumps(ev)
                        return post(base + "/slack/events", body, {"Content-Type": "application/json",
                                                                   **sign(body, SECRET)})
                out = run_load(req, args.requests, args.concurrency)
                pool = pool_of(app)
                assert pool is not None and pool.drain(600)  # drain the answers (untimed)
                return out
            finally:
                server.task_dispatcher.shutdown(timeout=5)
                server.close()
                if pool_of(app) is not None:
                    pool_of(app).stop()  # type: ignore[union-attr]

        for r in range(args.rounds):
            for kind in results:
                results[kind].append(serve_round(kind, r))

    def summary(runs: list[tuple[list[float], float]]) -> tuple[float, float, float]:
        p50 = statistics.median(statistics.median(lat) for lat, _ in runs)
        p99 = statistics.median(sorted(lat)[int(0.99 * (len(lat) - 1))] for lat, _ in runs)
        rps = statistics.median(len(lat) / wall for lat, wall in runs)
        return p50, p99, rps

    base_p50, base_p99, base_rps = summary(results["bare"])
    print(f"{args.requests} requests x {args.rounds} rounds, {args.concurrency} concurrent clients, "
          f"waitress threads={args.threads}")
    print(f"{'load':<15}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'p50 x':>8}{'p99 x':>8}{'rps x':>8}")
    for kind, runs in results.items():
        p50, p99, rps = summary(runs)
        print(f"{kind:<15}{1e3 * p50:9.1f}{1e3 * p99:9.1f}{rps:9.0f}{p50 / base_p50:8.2f}{p99 / base_p99:8.2f}"
              f"{rps / base_rps:8.2f}")
    worst = max(max(lat) for runs in results.values() for lat, _ in runs)
    print(f"slowest acknowledgement: {1e3 * worst:.0f} ms (Slack's limit: 3000 ms)")
    if args.flood:
        flood(args.flood)
    return 0


def flood(n: int) -> None:
    """Team A floods n compares of 20,000 paths; team B's `list` answer latency and peak RSS."""
    import resource
    import tempfile

    from test_reliability_harness import served_bot

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with served_bot(Path(tempfile.mkdtemp(prefix="bench_flood_")), compare_paths=20_000) as bot:
        seed_team(bot.store, "TA", "CA", "UA")
        seed_team(bot.store, "TB", "CB", "UB")
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n) as pool:
            acks = list(pool.map(lambda i: bot.command("compare paths 20000", team="TA", user="UA", channel="CA"),
                                 range(n)))
        refused = sum(body.startswith(b"Refused") for _, body, _ in acks)
        lat = []
        while bot.store.job_counts("TA").get("queued", 0) + bot.store.job_counts("TA").get("running", 0):
            before = len(bot.slack.channel_posts("CB"))
            t1 = time.perf_counter()
            bot.command("list", team="TB", user="UB", channel="CB")
            while len(bot.slack.channel_posts("CB")) == before:
                time.sleep(0.005)
            lat.append(time.perf_counter() - t1)
            time.sleep(0.5)
        bot.drain(600)
        wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"flood: team A {n} x compare paths 20000 ({refused} refused at the queue bound), drained in {wall:.1f} s;"
          f" team B list answered {len(lat)} times, p50 {1e3 * statistics.median(lat):.0f} ms, max "
          f"{1e3 * max(lat):.0f} ms; peak RSS {rss:.0f} MB (before the flood {rss0:.0f} MB)")


def _run(server) -> None:  # type: ignore[no-untyped-def]
    try:
        server.run()
    except (OSError, ValueError):  # socket closed at shutdown
        pass


if __name__ == "__main__":
    raise SystemExit(main())

"""Acknowledgement latency and throughput of the Slack endpoint under concurrent load, beside a baseline.

    python bench/bench_load.py [--requests N] [--concurrency C] [--threads T] [--rounds R]

One waitress server (T threads) on loopback serves the real Bolt app at /slack/events (Slack faked by
tests/fake_slack.py, SQLite in a temp dir) and, as the baseline, a bare Flask route /bare that returns
200 at once (same server, same thread pool, same client). Each round sends N requests from C client
threads to: the bare route, signed ``/alvh mark ...`` slash commands, and signed thread-message events
(four teams); rounds are interleaved and the median round is reported. Printed per load: ack latency
p50/p99 (ms), throughput (requests/s), and ratios to the baseline. The lazy work (answers posted) is
drained after each round and not timed: Slack only waits for the acknowledgement (3 s limit).
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
    args = ap.parse_args()

    from flask import Response
    from waitress import create_server

    from bot.app import build_app, flask_app
    from bot.market_data import RecordedMarks
    from bot.services import Services
    from bot.settings import Settings
    from bot.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="bench_load_"))
    results: dict[str, list[tuple[list[float], float]]] = {"bare": [], "slash command": [], "thread event": []}
    with FakeSlack() as slack:
        settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=slack.api_url,
                            alvh_db=str(tmp / "bench.sqlite"), _env_file=None)
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
                app._listener_runner.listener_executor.shutdown(wait=True)  # drain the answers (untimed)
                return out
            finally:
                server.task_dispatcher.shutdown(timeout=5)
                server.close()

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
    return 0


def _run(server) -> None:  # type: ignore[no-untyped-def]
    try:
        server.run()
    except (OSError, ValueError):  # socket closed at shutdown
        pass


if __name__ == "__main__":
    raise SystemExit(main())

"""Ack latency (p50/p99) and throughput of signed ``/alvh`` slash commands on loopback, beside a bare
200-OK route on the same waitress server, run side by side (interleaved rounds, median round).

    python bench/bench_bot.py [--requests 400] [--concurrency 16] [--rounds 3] [--text "list"]

The server is the production stack (waitress + the Bolt Flask adapter); Slack's Web API is the fake of
tests/fake_slack.py; SQLite is a temp file. Only the acknowledgement is timed (Slack's 3 s limit);
the lazy work (the answers) is drained between rounds and not timed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.app import build_app, flask_app  # noqa: E402
from bot.market_data import RecordedMarks  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.fake_slack import FakeSlack, sign  # noqa: E402

SECRET = "bench-secret"


def one(url: str, body: str, headers: dict[str, str]) -> float:
    t0 = time.perf_counter()
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()
        assert resp.status == 200, resp.status
    return time.perf_counter() - t0


def load(url: str, bodies: list[str], concurrency: int, signed: bool) -> tuple[list[float], float]:
    def send(body: str) -> float:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(sign(body, SECRET) if signed else {})}
        return one(url, body, headers)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        lat = list(pool.map(send, bodies))
    return lat, len(bodies) / (time.perf_counter() - t0)


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--text", default="list", help="the /alvh text sent (default: list)")
    a = ap.parse_args()
    import logging

    from waitress import create_server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" is the point here

    with FakeSlack() as slack, tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.sqlite")
        now = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.timezone.utc)
        services = Services(store=store, market_data=RecordedMarks(store), clock=lambda: now, charts=False)
        settings = Settings(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url)
        web = flask_app(build_app(settings, services))
        web.add_url_rule("/bare", "bare", lambda: ("", 200), methods=["POST"])
        server = create_server(web, host="127.0.0.1", port=0, threads=8)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"
        counter = iter(range(10**9))

        def bodies() -> list[str]:
            return [urlencode({"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/alvh",
                               "text": a.text, "response_url": slack.response_url(),
                               "trigger_id": f"b{next(counter)}"}) for _ in range(a.requests)]

        results: dict[str, list[tuple[float, float, float]]] = {"bare 200": [], "/alvh " + a.text: []}
        for _ in range(a.rounds):
            lat, tput = load(f"{base}/bare", bodies(), a.concurrency, signed=False)
            results["bare 200"].append((pct(lat, 0.5), pct(lat, 0.99), tput))
            posted = len(slack.recorder.calls)
            lat, tput = load(f"{base}/slack/events", bodies(), a.concurrency, signed=True)
            results["/alvh " + a.text].append((pct(lat, 0.5), pct(lat, 0.99), tput))
            slack.recorder.wait_for(lambda calls: len(calls) >= posted + a.requests, timeout=300)  # drain
        print(f"{a.requests} requests x {a.rounds} rounds, {a.concurrency} client threads, waitress 8 threads")
        print(f"{'endpoint':<22}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}")
        med = {}
        for name, rows in results.items():
            m = sorted(rows, key=lambda r: r[2])[len(rows) // 2]
            med[name] = m
            print(f"{name:<22}{m[0]:9.2f}{m[1]:9.2f}{m[2]:9.0f}")
        b, s = med["bare 200"], med["/alvh " + a.text]
        print(f"ratio slash/bare: p50 x{s[0] / b[0]:.2f}, p99 x{s[1] / b[1]:.2f}, throughput x{s[2] / b[2]:.2f}")
        server.close()


if __name__ == "__main__":
    main()

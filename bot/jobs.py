"""Durable work: every acknowledged Slack request is a row in SQLite before the ack, run by a worker pool.

Why an embedded queue in the bot's own SQLite (and not huey or Redis): the job row and its dedupe key
are one row written in the same ``BEGIN IMMEDIATE`` transaction as the check for a duplicate, in the
same file as the positions the job writes, so "persisted before the ack" and "one job per Slack
delivery" are a single commit and there is no second store to back up, monitor or lose in between.
huey's SQLite backend would keep its own queue tables with no dedupe key tied to ours and a separate
result store; the queue is ~200 lines here. When a desk outgrows one process the seam is
``JobQueue``: the same ``submit`` / ``claim`` / ``finish`` calls can be served by huey on Redis.

The flow::

    Slack request -> verify -> JobQueue.submit (dedupe key + job row, one transaction) -> ack
    WorkerPool (N threads; at most ``team_concurrency`` running jobs per team; bounded queue per team)
      -> handler(job) inside ``job_scope`` (rows it writes carry the job key; posts are keyed)
      -> done | retried with backoff (a crash or an exception) | dead after ``max_attempts``
    restart -> a running job whose lease expired (its process died) is queued again

``post_once(client, store, key, channel, payload)`` posts a message at most once per ``key``: a ledger
row is written before the Web API call and the key rides in the message ``metadata``; when a crash
left the row in ``sending``, the channel (or thread) history is searched for the key before posting
again. Other engineers call it for any post that must not repeat (``JobScope.next_key`` gives keys).
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from alvh_core.clock import Clock, system_clock, utc_stamp
from bot.redaction import redact
from bot.store import Store

log = logging.getLogger("bot.jobs")

#: The ``metadata.event_type`` of every message the bot posts through ``post_once``.
POST_EVENT_TYPE = "alvh_reply"
#: Messages searched for a key when a crash left a post in ``sending``.
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Limits:
    """Sizes of the worker pool and of the queue (``Settings``: ALVH_WORKERS, ALVH_TEAM_CONCURRENCY,
    ALVH_TEAM_QUEUE, ALVH_QUEUE_MAX, ALVH_JOB_LEASE_S, ALVH_JOB_STUCK_S)."""

    workers: int = 4
    team_concurrency: int = 2
    team_queue: int = 50
    queue_max: int = 2_000
    max_attempts: int = 5
    lease_s: float = 30.0
    stuck_s: float = 600.0

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(workers=settings.workers, team_concurrency=settings.team_concurrency,
                   team_queue=settings.team_queue, queue_max=settings.queue_max,
                   lease_s=settings.job_lease_s, stuck_s=settings.job_stuck_s)


@dataclass
class Job:
    id: int
    key: str
    team_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Submitted:
    """What ``submit`` did: ``queued`` (``ahead`` = the team's jobs before it), ``duplicate`` (the key
    exists: a retry or replay) or ``refused`` (the team's queue is full; nothing written)."""

    outcome: str
    ahead: int = 0
    job_id: int | None = None

    def ack_text(self, limits: Limits) -> str | None:
        """The ephemeral line the ack carries (None: a plain empty ack)."""
        if self.outcome == "refused":
            return (f"Refused: your workspace already has {self.ahead} requests waiting (at most "
                    f"{limits.team_queue}). Try again when they have been answered.")
        if self.outcome == "queued" and self.ahead >= limits.team_concurrency:
            return (f"Queued: {self.ahead} of your workspace's requests are ahead of this one "
                    f"(at most {limits.team_concurrency} run at once per workspace).")
        return None


def backoff_s(attempt: int) -> float:
    """Seconds before retry ``attempt`` (1, 2, 4, ... up to 60)."""
    return float(min(2 ** max(attempt - 1, 0), 60))


class JobQueue:
    """The jobs table of ``store``: submit, claim (fairly), finish, recover."""

    def __init__(self, store: Store, limits: Limits | None = None, clock: Clock = system_clock):
        self.store, self.limits, self.clock = store, limits or Limits(), clock
        self._wake = threading.Condition()

    def now(self) -> float:
        return self.clock().timestamp()

    def submit(self, kind: str, key: str, team_id: str, payload: dict[str, Any], priority: int = 0) -> Submitted:
        """Persist the job (raises ``sqlite3.Error`` when the database cannot be written: the caller
        tells the user it could not save the request)."""
        outcome, n = self.store.enqueue_job(
            key, team_id, kind, json.dumps(payload, separators=(",", ":")), now=self.now(),
            stamp=utc_stamp(self.clock), priority=priority, team_queue_max=self.limits.team_queue,
            queue_max=self.limits.queue_max)
        if outcome == "queued":
            with self._wake:
                self._wake.notify()  # one worker per job: not a stampede of claims
        return Submitted(outcome, ahead=n if outcome != "duplicate" else 0,
                         job_id=n if outcome == "duplicate" else None)

    def submit_coalesced(self, kind: str, group: str, team_id: str, payload: dict[str, Any]) -> bool:
        """A low-priority job that a burst asks for once (``Store.enqueue_coalesced``)."""
        queued = self.store.enqueue_coalesced(group, team_id, kind, json.dumps(payload, separators=(",", ":")),
                                              now=self.now(), stamp=utc_stamp(self.clock))
        if queued:
            with self._wake:
                self._wake.notify()
        return queued

    def claim(self, owner: str) -> Job | None:
        row = self.store.claim_job(owner, now=self.now(), lease=self.limits.lease_s, stamp=utc_stamp(self.clock),
                                   team_limit=self.limits.team_concurrency)
        if row is None:
            return None
        return Job(id=int(row["id"]), key=row["key"], team_id=row["team_id"], kind=row["kind"],
                   payload=json.loads(row["payload_json"]), attempts=int(row["attempts"]))

    def done(self, job: Job) -> None:
        self.store.finish_job(job.id, "done", stamp=utc_stamp(self.clock))

    def failed(self, job: Job, error: str) -> bool:
        """Retry later (True) or give up (False, the job is ``dead``). ``error`` is stored redacted."""
        error = redact(error)[:500]
        if job.attempts >= self.limits.max_attempts:
            self.store.finish_job(job.id, "dead", stamp=utc_stamp(self.clock), error=error)
            return False
        self.store.finish_job(job.id, "queued", stamp=utc_stamp(self.clock), error=error,
                              available_at=self.now() + backoff_s(job.attempts))
        return True

    def recover(self) -> int:
        """Queue again the running jobs whose lease expired (their process died)."""
        return self.store.requeue_jobs(now=self.now())

    def wait(self, timeout: float) -> None:
        with self._wake:
            self._wake.wait(timeout)

    def wake_all(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def pending(self) -> int:
        counts = self.store.job_counts()
        return counts.get("queued", 0) + counts.get("running", 0)


Handler = Callable[[Job], None]
#: Called once when a job is given up (to tell the user); must not raise.
OnDead = Callable[[Job, str], None]


class WorkerPool:
    """``limits.workers`` threads running jobs from ``queue`` with ``handlers[job.kind]``."""

    def __init__(self, queue: JobQueue, handlers: dict[str, Handler], on_dead: OnDead | None = None,
                 poll_s: float = 0.25):
        self.queue, self.handlers, self.on_dead, self.poll_s = queue, handlers, on_dead, poll_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{next(_POOLS)}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[int, float] = {}  # job id -> monotonic start
        self._lock = threading.Lock()
        self.last_loop = time.monotonic()

    # ----- lifecycle -------------------------------------------------------------------------------
    def start(self) -> WorkerPool:
        try:
            recovered = self.queue.recover()
        except Exception as exc:  # noqa: BLE001 - start anyway: /healthz and every user are told
            log.error("could not recover jobs at start-up (database not writable?): %s", redact(str(exc)))
            recovered = 0
        if recovered:
            log.info("requeued %d jobs left running by a process that died", recovered)
        for i in range(self.queue.limits.workers):
            t = threading.Thread(target=self._work, name=f"alvh-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        keeper = threading.Thread(target=self._keep_leases, name="alvh-leases", daemon=True)
        keeper.start()
        self._threads.append(keeper)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.queue.wake_all()
        for t in self._threads:
            t.join(timeout)

    def drain(self, timeout: float = 60.0) -> bool:
        """Wait until no job is queued or running (tests, shutdown); True when drained."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queue.pending() == 0:
                return True
            time.sleep(0.02)
        return False

    # ----- health ----------------------------------------------------------------------------------
    def problem(self) -> str | None:
        """None when healthy; else why the workers cannot be trusted to answer."""
        dead = [t.name for t in self._threads if not t.is_alive()]
        if dead and not self._stop.is_set():
            return f"worker threads died: {', '.join(dead)}"
        with self._lock:
            oldest = min(self._running.values(), default=None)
        if oldest is not None and time.monotonic() - oldest > self.queue.limits.stuck_s:
            return f"a job has been running for {time.monotonic() - oldest:.0f} s (stuck after {self.queue.limits.stuck_s:.0f} s)"
        return None

    # ----- the loops -------------------------------------------------------------------------------
    def _keep_leases(self) -> None:
        period = max(self.queue.limits.lease_s / 3, 0.2)
        while not self._stop.wait(period):
            try:
                self.queue.store.renew_leases(self.owner, self.queue.now() + self.queue.limits.lease_s)
                recovered = self.queue.recover()  # another process's (or a dead thread's) expired leases
                if recovered:
                    log.info("requeued %d jobs whose worker stopped renewing its lease", recovered)
                    self.queue.wake_all()
            except Exception:  # noqa: BLE001 - keep renewing; /healthz reports a write failure
                log.exception("lease renewal failed")

    def _work(self) -> None:
        while not self._stop.is_set():
            self.last_loop = time.monotonic()
            try:
                job = self.queue.claim(self.owner)
            except Exception as exc:  # noqa: BLE001 - the database is unavailable: wait and retry
                log.warning("could not claim a job: %s", redact(str(exc)))
                self._stop.wait(2.0)
                continue
            if job is None:
                self.queue.wait(self.poll_s)
                continue
            self._run(job)

    def _run(self, job: Job) -> None:
        with self._lock:
            self._running[job.id] = time.monotonic()
        try:
            handler = self.handlers.get(job.kind)
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            with job_scope(job.key, self.queue.store):
                handler(job)
        except Exception as exc:  # noqa: BLE001 - a failed job is retried, never dropped silently
            error = f"{type(exc).__name__}: {exc}"
            log.warning("job %s (%s) attempt %d failed: %s", job.id, job.kind, job.attempts, redact(error)[:300])
            try:
                if not self.queue.failed(job, error) and self.on_dead is not None:
                    self.on_dead(job, error)
            except Exception:  # noqa: BLE001
                log.exception("could not record the failure of job %s", job.id)
        else:
            try:
                self.queue.done(job)
            except Exception:  # noqa: BLE001 - it will be retried (and post nothing twice)
                log.exception("could not mark job %s done", job.id)
        finally:
            with self._lock:
                self._running.pop(job.id, None)


_POOLS = itertools.count(1)


# ----- the job being run on this thread, and keys of its posts ------------------------------------
@dataclass
class JobScope:
    key: str
    _seq: Iterator[int] = field(default_factory=lambda: itertools.count(0))

    def next_key(self, what: str = "post") -> str:
        """A deterministic key for the n-th post of this job (the same on every retry)."""
        return f"{self.key}#{what}{next(self._seq)}"


_scope = threading.local()


@contextmanager
def job_scope(key: str, store: Store | None = None) -> Iterator[JobScope]:
    """Run a job: its posts get keys from the scope and the rows it writes carry ``key`` (``Store.origin``)."""
    scope = JobScope(key)
    previous = getattr(_scope, "scope", None)
    _scope.scope = scope
    try:
        if store is not None:
            with store.origin(key):
                yield scope
        else:
            yield scope
    finally:
        _scope.scope = previous


def current_scope() -> JobScope | None:
    return getattr(_scope, "scope", None)


def _message_key(message: dict[str, Any]) -> str | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != POST_EVENT_TYPE:
        return None
    return (meta.get("event_payload") or {}).get("key")


def find_posted(client: WebClient, channel: str, thread_ts: str | None, key: str) -> str | None:
    """The ts of a message carrying ``key`` in its metadata in the channel (or thread), else None."""
    try:
        if thread_ts:
            resp = client.conversations_replies(channel=channel, ts=thread_ts, include_all_metadata=True,
                                                limit=HISTORY_LIMIT)
        else:
            resp = client.conversations_history(channel=channel, include_all_metadata=True, limit=HISTORY_LIMIT)
    except SlackApiError as exc:  # no history scope, channel gone: cannot tell; post (at least once)
        log.warning("could not read history of %s to check post %s: %s", channel, key, exc.response.get("error"))
        return None
    for message in resp.get("messages") or []:
        if _message_key(message) == key:
            return str(message.get("ts"))
    return None


def post_once(client: WebClient, store: Store, key: str, *, team_id: str, channel: str,
              thread_ts: str | None = None, clock: Clock = system_clock, **payload: Any) -> tuple[str, bool]:
    """``chat.postMessage`` at most once per ``key`` (returns (ts, posted_now)).

    Posted before: the stored ts. A crash between the post and its record left ``sending``: the
    history is searched for the key (it rides in ``metadata``) before posting again."""
    record = store.post_record(key)
    if record is not None and record["status"] == "posted":
        return str(record["ts"]), False
    if record is not None:
        found = find_posted(client, channel, thread_ts, key)
        if found is not None:
            store.post_done(key, found, utc_stamp(clock))
            return found, False
    store.post_sending(key, team_id, channel, thread_ts, clock().timestamp())
    metadata = {"event_type": POST_EVENT_TYPE, "event_payload": {"key": key}}
    try:
        resp = client.chat_postMessage(channel=channel, thread_ts=thread_ts, metadata=metadata, **payload)
    except SlackApiError as exc:
        # Slack answered ok: false (or 429): certainly not posted, so a retry need not search the
        # history (conversations.history is rate limited hard for new apps). A 5xx from a proxy, a
        # timeout or a crash may hide a post that went through: those leave 'sending'.
        if exc.response.status_code in (200, 429):
            store.post_forget(key)
        raise
    ts = str(resp["ts"])
    store.post_done(key, ts, utc_stamp(clock))
    return ts, True

"""The product's one ``Settings``: every variable it reads, from the environment and an optional ``.env``.

The CLI (``alvh backtest``, ``calibrate``, ``chat``, ...) and the bot both read configuration only
through this class; nothing else reads ``os.environ`` (tests pass their own ``Settings``).

Variables: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN (optional: Socket Mode),
ALVH_DB (SQLite path, default ./alvh.sqlite), SLACK_API_URL (Web API base URL), PORT (HTTP mode),
ALVH_DATA (optional directory of daily CSVs in the format of ../shared/data, used for marks),
ALVH_COMPARE_PATHS (Monte Carlo paths used by compare in the bot), ALVH_EVENTS (optional event
calendar CSV replacing the packaged FOMC/CPI/PPI dates, see alvh_core.events), SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET (optional: the OAuth install flow for several workspaces), ALVH_INSTALL_DB (SQLite
installation store of that flow), ALVH_DEBUG (tracebacks on
internal errors), USER (who is asking in ``alvh chat``); the bot's queue and budget: ALVH_WORKERS,
ALVH_TEAM_CONCURRENCY, ALVH_TEAM_QUEUE, ALVH_QUEUE_MAX, ALVH_JOB_LEASE_S, ALVH_JOB_STUCK_S,
ALVH_MAX_PATHS, ALVH_MAX_PATH_DAYS; ALVH_CHARTS (chart uploads on/off); ALVH_ACCELERATE (the bot loads the
numba interpolation kernel at start).
"""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    slack_bot_token: str = Field(default="", validation_alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: str = Field(default="", validation_alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN", repr=False)
    alvh_db: str = Field(default="alvh.sqlite", validation_alias="ALVH_DB")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    port: int = Field(default=3000, validation_alias="PORT")
    alvh_data: str | None = Field(default=None, validation_alias="ALVH_DATA")
    compare_paths: int = Field(default=20_000, ge=100, validation_alias="ALVH_COMPARE_PATHS")
    #: ``alvh chat``'s default Monte Carlo paths: the bot's 20,000 (at 4,000 a 7-day VIX 14 condor's rare crashes
    #: put the control-variate estimate 4-5.5 SE off at one seed: README "Tighter answers in less time").
    chat_compare_paths: int = Field(default=20_000, ge=100, validation_alias="ALVH_CHAT_COMPARE_PATHS")
    #: optional FOMC/CPI/PPI calendar file (format of alvh_core/data/events.csv) replacing the packaged one
    alvh_events: str | None = Field(default=None, validation_alias="ALVH_EVENTS")
    #: OAuth install flow (several workspaces): set both to serve /slack/install and /slack/oauth_redirect;
    #: installations (bot tokens per workspace) are kept in ALVH_INSTALL_DB (SQLite).
    slack_client_id: str = Field(default="", validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str = Field(default="", validation_alias="SLACK_CLIENT_SECRET", repr=False)
    install_db: str = Field(default="alvh-installs.sqlite", validation_alias="ALVH_INSTALL_DB")
    debug: bool = Field(default=False, validation_alias="ALVH_DEBUG")
    # ----- the bot's durable work queue and per-request budget (bot/jobs.py, issue 14) -----
    #: worker threads running acknowledged requests
    workers: int = Field(default=4, ge=1, le=64, validation_alias="ALVH_WORKERS")
    #: at most this many of one workspace's requests run at once (the others wait their turn)
    team_concurrency: int = Field(default=2, ge=1, le=64, validation_alias="ALVH_TEAM_CONCURRENCY")
    #: a workspace with this many requests waiting or running has new ones refused
    team_queue: int = Field(default=50, ge=1, validation_alias="ALVH_TEAM_QUEUE")
    #: waiting or running requests of all workspaces together
    queue_max: int = Field(default=2_000, ge=1, validation_alias="ALVH_QUEUE_MAX")
    #: seconds a worker's claim on a job lasts without renewal (a crashed process's jobs rerun after it)
    job_lease_s: float = Field(default=30.0, gt=0, validation_alias="ALVH_JOB_LEASE_S")
    #: a job running longer than this makes /healthz fail
    job_stuck_s: float = Field(default=600.0, gt=0, validation_alias="ALVH_JOB_STUCK_S")
    #: most Monte Carlo paths one request may ask for
    max_paths: int = Field(default=100_000, ge=100, validation_alias="ALVH_MAX_PATHS")
    #: most paths x days to expiry one comparison may simulate (its memory grows with it)
    max_path_days: int = Field(default=5_000_000, ge=1_000, validation_alias="ALVH_MAX_PATH_DAYS")
    #: upload the P&L chart with results (off: text answers only, e.g. load tests)
    charts: bool = Field(default=True, validation_alias="ALVH_CHARTS")
    #: the bot loads the compiled (numba) interpolation kernel at start: a compare about 10% faster, but
    #: numba and LLVM stay resident (about 110 MB: the process then peaks near 450-490 MB, over issue 16's
    #: 400 MB), so off by default
    accelerate: bool = Field(default=False, validation_alias="ALVH_ACCELERATE")
    user: str | None = Field(default=None, validation_alias="USER")

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def oauth(self) -> bool:
        """True when the OAuth install flow serves several workspaces (client id and secret set)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def uses_default_api(self) -> bool:
        return self.slack_api_url.rstrip("/") == "https://slack.com/api"

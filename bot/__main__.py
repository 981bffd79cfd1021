"""``python -m bot``: run the Slack app (Socket Mode with SLACK_APP_TOKEN, else waitress on $PORT).

``python -m bot daily --once``: post today's daily summaries for every subscribed channel and exit
(exit 1 when any post failed).

``python -m bot backup FILE``: copy the SQLite database ($ALVH_DB) to FILE with SQLite's online backup
API, safe while the bot runs.
"""
from __future__ import annotations

import argparse
import logging
import sys

from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd")
    sub.add_parser("serve", help="run the app (default)")
    d = sub.add_parser("daily", help="daily summaries")
    d.add_argument("--once", action="store_true", help="post today's summaries now and exit")
    b = sub.add_parser("backup", help="copy the SQLite database ($ALVH_DB) to a new file, safely while running")
    b.add_argument("dest", help="path of the backup file to create")
    args = parser.parse_args(argv)
    if args.cmd == "backup":
        import sqlite3

        from bot.store import Store

        try:
            written = Store(Settings().alvh_db).backup(args.dest)
        except (OSError, sqlite3.Error) as exc:
            print(f"backup failed: {exc}", file=sys.stderr)
            return 2
        print(f"backed up {Settings().alvh_db} to {written}")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.redaction import install_log_redaction, secrets_of

    settings = Settings()
    # tokens and the signing secret never reach a log line (also those set only in .env)
    install_log_redaction()
    install_log_redaction(secrets_of(settings))
    if settings.oauth:
        if not settings.slack_signing_secret:
            print("the OAuth install flow needs SLACK_SIGNING_SECRET too (see .env.example)", file=sys.stderr)
            return 2
    elif not settings.slack_bot_token or not settings.slack_signing_secret and not settings.socket_mode:
        print("set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for the "
              "OAuth install flow (see .env.example)", file=sys.stderr)
        return 2

    from bot.startup import startup_problem

    problem = startup_problem(settings)  # one line and exit 2, not auth.test's traceback
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2

    from bot.app import build_app, serve_http, serve_socket_mode, web_client
    from bot.schedule import DailyScheduler, run_daily, slack_poster
    from bot.services import default_services

    services = default_services(settings)
    if args.cmd != "daily":  # build the pricing tables and calendar now, not on the first comparison (issue 16)
        from bot.startup import start_warm_up

        start_warm_up(services)
    if args.cmd == "daily":
        if not args.once:
            parser.error("daily needs --once (the running app schedules posts itself)")
        from bot.install import team_poster

        poster = team_poster(settings) if settings.oauth else slack_poster(web_client(settings), services.store)
        results = run_daily(services, poster, force=True)
        for r in results:
            print(f"{r.date} {r.team_id}/{r.channel_id}: {r.status}{' ' + r.error if r.error else ''}")
        if not results:
            print("nothing to post (not a trading day, no subscriptions, or already posted today)")
        return 1 if any(r.status == "failed" for r in results) else 0

    app = build_app(settings, services)
    from bot.install import team_poster

    DailyScheduler(services, team_poster(settings) if settings.oauth
                   else slack_poster(app.client, services.store)).start()
    if settings.socket_mode:
        serve_socket_mode(app, settings.slack_app_token or "")
    else:
        serve_http(app, settings.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m bot backup FILE`: an online copy of the database that holds every committed row."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys

from alvh_core.models import IronCondor
from bot.store import Store

CONDOR = IronCondor(expiry=dt.date(2027, 1, 8), long_put=5600, short_put=5650, short_call=6150,
                    long_call=6200, quantity=10, credit=17.0)


def test_backup_while_the_store_is_open_holds_every_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    live = tmp_path / "live.sqlite"
    store = Store(live)
    ids = [store.add_position("T1", "U1", "C1", CONDOR) for _ in range(3)]
    env = {**os.environ, "ALVH_DB": str(live)}
    env.pop("SLACK_BOT_TOKEN", None)  # a backup needs no Slack credentials
    dest = tmp_path / "backup.sqlite"
    out = subprocess.run([sys.executable, "-m", "bot", "backup", str(dest)], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    con = sqlite3.connect(dest)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [r[0] for r in con.execute("SELECT id FROM positions ORDER BY id")] == ids
    # a second backup to the same file is refused, and the first copy is untouched
    again = subprocess.run([sys.executable, "-m", "bot", "backup", str(dest)], env=env, capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 2 and "exists" in again.stderr and "Traceback" not in again.stderr
    assert Store(dest).open_positions("T1")[0]["id"] == ids[0]

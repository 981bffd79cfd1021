"""Slack's charts come from the one chart module, ``alvh_core.charts`` (the CLI's ``--chart`` uses it too).

Re-exported here so the bot has one import seam: ``pnl_chart(condor, market, plan=None, held=None,
title=None)``, ``compare_chart(comparison)``, ``today_pnl``, ``expiry_pnl``.
"""
from __future__ import annotations

from alvh_core.analysis import expiry_pnl
from alvh_core.charts import compare_chart, pnl_chart, today_pnl

__all__ = ["compare_chart", "expiry_pnl", "pnl_chart", "today_pnl"]

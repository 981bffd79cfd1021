"""ALVH core: pricing, positions, scenarios, strategies, hedge sizing, metrics and historical replay.

Pure domain code: nothing here imports Slack or touches a database.
"""

__version__ = "0.1.0"

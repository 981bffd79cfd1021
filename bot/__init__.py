"""Slack front end of the ALVH desk bot: parses, calls alvh_core, renders Block Kit, stores history."""

"""Bolt listeners grouped by kind; each module has ``register(app, services, assistant)``."""

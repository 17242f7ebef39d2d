"""Checking secrets: one throttle in front of every credential check (ADR 0027).

``throttle`` is the arithmetic (pure), ``store_db`` and ``store_redis`` keep its records
where every api process sees them, and ``guard`` is the one way a login, an Xtream app,
a set-top box, an administrator, newsroom staff or a parental PIN gets a secret checked.
"""

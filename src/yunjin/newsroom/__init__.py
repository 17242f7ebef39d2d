"""Converged media centres (融媒体中心): tenants, staff, stories, review, zones (issue #7).

Pure modules hold the rules (``terms``, ``tenancy``, ``workflow``, ``permissions``,
``content``, ``syndication``); actions change state (``tenants``, ``staff``, ``stories``,
``zones``, ``planning``); ``http`` is the thin router. See docs/newsroom.md.
"""

"""Yunjin (云锦): an IPTV operator platform with converged-media centres."""

__version__ = "0.1.0"

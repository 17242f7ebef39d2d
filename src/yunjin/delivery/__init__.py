"""Secure delivery: signed path-prefix tokens that the app and nginx's secure_link verify alike."""

"""Subscriber households for the interaction tests: made in the database, logged in from
a phone through the subscribers' API."""

from __future__ import annotations

from tests.newsroom.conftest import Newsroom
from yunjin.subscribers.accounts import create_household, set_status

PASSWORD = "household-pass-1"


def household(room: Newsroom, account: str, region: str) -> dict[str, str]:
    """A new household in ``region``, logged in: its Authorization header."""
    with room.client.app.state.runtime.db.session() as session:
        create_household(session, account, region, password=PASSWORD)
    answer = room.client.request(
        "POST",
        "/api/v1/auth/login",
        json={"account": account, "password": PASSWORD, "device": "phone"},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['session']}"}


def suspend(room: Newsroom, account: str) -> None:
    with room.client.app.state.runtime.db.session() as session:
        set_status(session, account, active=False)

"""Sharing channels out between recorder nodes (ADR 0033): the pure plan, simulated over
rounds of every node planning against the same claims, as the database would answer them."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from yunjin.live.claims import Holder
from yunjin.live.shards import fair_share, plan

TTL_MS = 5_000


@dataclass
class Cluster:
    """Claims as the database holds them, and nodes that plan against them each round."""

    capacities: dict[str, int]
    wanted: list[str]
    holders: dict[str, Holder] = field(default_factory=dict)
    now_ms: int = 1_000_000

    def mine(self, node: str) -> set[str]:
        return {
            c for c, h in self.holders.items() if h.owner == node and h.expires_ms > self.now_ms
        }

    def round(self, alive: list[str]) -> None:
        """Every live node renews, plans and acts, one after another, then a second passes."""
        seen = {node: self.capacities[node] for node in alive}
        for node in alive:
            for channel in self.mine(node):  # renew
                held = self.holders[channel]
                self.holders[channel] = Holder(node, held.epoch, self.now_ms + TTL_MS)
            todo = plan(node, self.wanted, self.mine(node), self.holders, seen, self.now_ms)
            for channel in todo.release:
                held = self.holders[channel]
                self.holders[channel] = Holder(held.owner, held.epoch, 0)
            for channel in todo.claim:
                held = self.holders.get(channel)
                if held is None or held.expires_ms <= self.now_ms:
                    epoch = 1 if held is None else held.epoch + 1
                    self.holders[channel] = Holder(node, epoch, self.now_ms + TTL_MS)
        self.now_ms += 1_000

    def owners(self) -> dict[str, str]:
        return {c: h.owner for c, h in self.holders.items() if h.expires_ms > self.now_ms}


def _settle(cluster: Cluster, alive: list[str], rounds: int = 12) -> None:
    for _ in range(rounds):
        cluster.round(alive)


@given(st.integers(1, 60), st.lists(st.integers(1, 80), min_size=1, max_size=5))
@settings(max_examples=60, deadline=None)
def test_every_channel_gets_one_node_and_the_load_is_even(
    channels: int, capacities: list[int]
) -> None:
    nodes = {f"rec-{n}": capacity for n, capacity in enumerate(capacities)}
    wanted = [f"C{n}.cn" for n in range(channels)]
    cluster = Cluster(nodes, wanted)
    _settle(cluster, list(nodes))
    owners = cluster.owners()
    assert set(owners) <= set(wanted)  # one owner per channel, by construction of claims
    counts = {node: sum(1 for o in owners.values() if o == node) for node in nodes}
    for node, count in counts.items():
        assert count <= fair_share(channels, nodes, node)
    if sum(fair_share(channels, nodes, node) for node in nodes) >= channels:
        assert set(owners) == set(wanted)  # room enough: every channel is recorded


def test_a_dead_nodes_channels_are_taken_over_within_its_claims_lifetime() -> None:
    nodes = {"rec-a": 100, "rec-b": 100}
    wanted = [f"C{n}.cn" for n in range(6)]
    cluster = Cluster(nodes, wanted)
    _settle(cluster, ["rec-a", "rec-b"])
    assert sorted(cluster.owners().values()).count("rec-a") == 3
    rounds = 0
    while set(cluster.owners().values()) != {"rec-b"} or len(cluster.owners()) < 6:
        cluster.round(["rec-b"])  # rec-a was SIGKILLed: it renews nothing any more
        rounds += 1
        assert rounds <= TTL_MS // 1000 + 2
    # rec-a comes back: the load evens out again without a second outage
    _settle(cluster, ["rec-a", "rec-b"])
    assert sorted(cluster.owners().values()).count("rec-a") == 3


def test_a_joining_node_takes_its_share_from_a_full_one() -> None:
    nodes = {"rec-a": 100, "rec-b": 100, "rec-c": 100}
    wanted = [f"C{n}.cn" for n in range(9)]
    cluster = Cluster(nodes, wanted)
    _settle(cluster, ["rec-a"])
    assert len(cluster.owners()) == 9
    _settle(cluster, ["rec-a", "rec-b", "rec-c"])
    counts = sorted(list(cluster.owners().values()).count(n) for n in nodes)
    assert counts == [3, 3, 3]


def test_a_channel_taken_off_air_is_let_go() -> None:
    nodes = {"rec-a": 10}
    cluster = Cluster(nodes, ["A.cn", "B.cn"])
    _settle(cluster, ["rec-a"], 2)
    cluster.wanted = ["A.cn"]
    _settle(cluster, ["rec-a"], 2)
    assert cluster.owners() == {"A.cn": "rec-a"}

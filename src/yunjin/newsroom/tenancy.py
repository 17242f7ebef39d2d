"""Media centres as a tree of GB/T 2260 regions, and how two of them relate (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Relation(StrEnum):
    """Where an actor's media centre stands relative to a target centre."""

    SAME = "same"
    PARENT = "parent"  # the actor's centre is above the target (at any depth)
    CHILD = "child"  # the actor's centre is below the target
    SIBLING = "sibling"  # both under the same parent
    UNRELATED = "unrelated"


@dataclass(frozen=True, slots=True)
class TenantRef:
    """A media centre by its region code, with the codes above it, nearest first
    (a county: its prefecture, then its province)."""

    code: str
    parents: tuple[str, ...] = ()
    review_levels: int = 3

    @property
    def level(self) -> str:
        return ("province", "prefecture", "county")[min(len(self.parents), 2)]


def relation(actor: TenantRef, target: TenantRef) -> Relation:
    """How ``actor``'s centre relates to ``target``."""
    if actor.code == target.code:
        return Relation.SAME
    if actor.code in target.parents:
        return Relation.PARENT
    if target.code in actor.parents:
        return Relation.CHILD
    if actor.parents and target.parents and actor.parents[0] == target.parents[0]:
        return Relation.SIBLING
    return Relation.UNRELATED

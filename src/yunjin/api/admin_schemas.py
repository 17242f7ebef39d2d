"""What the operator's admin API answers, as pydantic models (``yunjin.api.schemas`` says
how the JSON is kept stable; orders share their shape with the subscribers' routes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from pydantic import Field

from yunjin.api.schemas import Answer, LocalNames
from yunjin.db.models import Device, Household, Product, Region
from yunjin.subscribers.admin_audit import AuditEntry
from yunjin.subscribers.entitlements import ProductKind


class AdminSession(Answer):
    session: str = Field(description="the bearer token: Authorization: Bearer {session}")


class AuditRow(Answer):
    id: int
    at: int = Field(description="UTC seconds")
    username: str
    action: str = Field(description="household.suspend, product.create, order.refunded …")
    target: str = Field(description="the account, product code or order changed")
    address: str
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> Self:
        return cls(
            id=entry.id,
            at=entry.at_s,
            username=entry.username,
            action=entry.action,
            target=entry.target,
            address=entry.address,
            details=entry.details,
        )


class AuditTrail(Answer):
    audit: list[AuditRow] = Field(description="newest first")


class HouseholdInfo(Answer):
    account: str
    region: str = Field(description="GB/T 2260 code")
    status: str = Field(description="active or suspended")
    stream_limit: int
    device_limit: int

    @classmethod
    def of(cls, household: Household) -> Self:
        return cls(
            account=household.account,
            region=household.region_code,
            status=household.status,
            stream_limit=household.stream_limit,
            device_limit=household.device_limit,
        )


class HouseholdList(Answer):
    households: list[HouseholdInfo]


class PasswordReset(Answer):
    account: str
    sessions_ended: int


class SessionsEnded(Answer):
    sessions_ended: int


class DeviceAdded(Answer):
    id: int
    mac: str | None
    kind: str


class DeviceInfo(Answer):
    id: int
    kind: str = Field(description="stb, phone …")
    mac: str | None
    label: str
    uhd: bool

    @classmethod
    def of(cls, device: Device) -> Self:
        return cls(
            id=device.id, kind=device.kind, mac=device.mac, label=device.label, uhd=device.uhd
        )


class DeviceList(Answer):
    devices: list[DeviceInfo]


class DeviceRemoved(Answer):
    removed: int = Field(description="the device's id")


def _seconds(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp())


class ProductInfo(Answer):
    code: str
    name: LocalNames
    kind: ProductKind
    price_cents: int
    event_start: int | None = Field(description="pay-per-view: UTC seconds")
    event_end: int | None = Field(description="pay-per-view: UTC seconds")
    rental_hours: int | None = Field(description="pay-per-view: hours bought")

    @classmethod
    def of(cls, product: Product) -> Self:
        return cls(
            code=product.code,
            name=LocalNames.of(product.name_zh, product.name_en),
            kind=ProductKind(product.kind),
            price_cents=product.price_cents,
            event_start=_seconds(product.event_start),
            event_end=_seconds(product.event_end),
            rental_hours=product.rental_hours,
        )


class ProductList(Answer):
    products: list[ProductInfo]


class ProductCreated(Answer):
    code: str


class Subscribed(Answer):
    account: str
    product: str
    valid_to: int | None = Field(description="UTC seconds; null: until cancelled")


class RegionInfo(Answer):
    code: str = Field(description="GB/T 2260 code")
    name: LocalNames
    level: str = Field(description="province, prefecture or county")

    @classmethod
    def of(cls, region: Region) -> Self:
        return cls(
            code=region.code,
            name=LocalNames.of(region.name_zh, region.name_en),
            level=region.level,
        )


class RegionList(Answer):
    regions: list[RegionInfo]

"""Actions on media centres: add one for a GB/T 2260 region, set its review levels, read."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import NewsroomTenant, Region
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.tenancy import TenantRef
from yunjin.newsroom.terms import STAGES

LEVEL_SUFFIX = {
    "province": ("融媒体", " Media"),
    "prefecture": ("融媒体中心", " Media Centre"),
    "county": ("融媒体中心", " Media Centre"),
}


def add_tenant(
    session: Session,
    code: str,
    *,
    review_levels: int = 3,
    name_zh: str | None = None,
    name_en: str | None = None,
) -> NewsroomTenant:
    """A media centre for region ``code``; the centre of its parent region must exist."""
    region = session.get(Region, code)
    if region is None:
        raise NewsroomError("newsroom_region_not_found", region=code[:12])
    if session.get(NewsroomTenant, code) is not None:
        raise NewsroomError("newsroom_tenant_exists", tenant=code)
    check_levels(review_levels)
    parent = region.parent_code
    if parent is not None and session.get(NewsroomTenant, parent) is None:
        raise NewsroomError("newsroom_parent_tenant_missing", parent=parent)
    zh, en = LEVEL_SUFFIX.get(region.level, LEVEL_SUFFIX["county"])
    tenant = NewsroomTenant(
        code=code,
        parent_code=parent,
        level=region.level,
        review_levels=review_levels,
        name_zh=(name_zh or f"{region.name_zh}{zh}").strip()[:200],
        name_en=(name_en or f"{region.name_en}{en}").strip()[:200],
    )
    session.add(tenant)
    session.flush()
    return tenant


def check_levels(levels: int) -> int:
    if levels not in STAGES:
        raise NewsroomError("newsroom_bad_levels", levels=levels)
    return levels


def set_review_levels(session: Session, code: str, levels: int) -> NewsroomTenant:
    """From the next submission on, stories of ``code`` pass ``levels`` reviews."""
    tenant = get_tenant(session, code)
    tenant.review_levels = check_levels(levels)
    return tenant


def get_tenant(session: Session, code: str) -> NewsroomTenant:
    tenant = session.get(NewsroomTenant, code)
    if tenant is None:
        raise NewsroomError("newsroom_tenant_not_found", tenant=code[:12])
    return tenant


def list_tenants(session: Session) -> list[NewsroomTenant]:
    return list(session.scalars(select(NewsroomTenant).order_by(NewsroomTenant.code)))


def children(session: Session, code: str) -> list[NewsroomTenant]:
    query = select(NewsroomTenant).where(NewsroomTenant.parent_code == code)
    return list(session.scalars(query.order_by(NewsroomTenant.code)))


def tenant_ref(session: Session, code: str) -> TenantRef:
    """The centre with the codes above it, for the gate."""
    tenant = get_tenant(session, code)
    parents: list[str] = []
    current = tenant.parent_code
    while current is not None and len(parents) < 8:
        parents.append(current)
        above = session.get(NewsroomTenant, current)
        current = above.parent_code if above is not None else None
    return TenantRef(tenant.code, tuple(parents), tenant.review_levels)

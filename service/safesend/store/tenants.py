"""Tenants: every row of every other table belongs to one."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..config import DEFAULT_TENANT
from .models import Tenant


def ensure_tenant(session: Session, tenant_id: str = DEFAULT_TENANT, name: str = "") -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(id=tenant_id, name=name or tenant_id)
        session.add(tenant)
        session.flush()
    return tenant

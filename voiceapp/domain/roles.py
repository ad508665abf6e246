"""Roles and what each may do, independent of any object."""

from __future__ import annotations

ADMIN = "admin"
SALES_MANAGER = "sales_manager"
AGENT = "agent"
ROLES = (ADMIN, SALES_MANAGER, AGENT)

ROLE_LABELS = {ADMIN: "Team admin", SALES_MANAGER: "Sales manager", AGENT: "Agent"}


def is_manager_or_admin(role: str) -> bool:
    return role in (ADMIN, SALES_MANAGER)


def can_manage_members(role: str) -> bool:
    return role == ADMIN

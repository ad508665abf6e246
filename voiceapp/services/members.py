"""A member's settings as the API reads and changes them, through accounts.update_member
(the same path as the panel's member form): payout factor as a percent, "sales manager"
as the role, case types and languages checked against the team's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from voiceapp.domain.commission_rights import sees_manager_commissions, sees_payout_factors
from voiceapp.domain.members import factor_from_percent, percent_from_factor
from voiceapp.domain.roles import ADMIN, AGENT, SALES_MANAGER
from voiceapp.models import User
from voiceapp.services.accounts import AccountError, update_member
from voiceapp.services.team_settings import get_team_settings

FLAGS = (
    "can_receive_payouts",
    "can_approve_commissions",
    "can_set_affiliates",
    "can_change_affiliates",
    "payouts_held",
    "active",
)


class MemberError(ValueError):
    """Changes refused; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors


def employment(user: User) -> str:
    """Freelancers are paid out by the platform; employees through payroll."""
    return "freelancer" if user.can_receive_payouts else "employee"


def member_view(user: User, viewer_role: str) -> dict:
    """What a viewer of this role reads about a member: payout factors for sales managers
    and admins, manager commissions for admins only (left out, not null, for others)."""
    view = {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "active": user.active,
        "removed_at": user.removed_at,
        "employment": employment(user),
        "can_receive_payouts": user.can_receive_payouts,
        "can_approve_commissions": user.can_approve_commissions,
        "can_set_affiliates": user.can_set_affiliates,
        "can_change_affiliates": user.can_change_affiliates,
        "payouts_held": user.payouts_held,
        "case_types": list(user.case_types or []),
        "languages": list(user.languages or []),
    }
    if sees_payout_factors(viewer_role):
        view["payout_factor_percent"] = percent_from_factor(user.payout_factor)
    if sees_manager_commissions(viewer_role):
        view["manager_commission_percent"] = user.manager_commission_percent
    return view


def _role_after(user: User, sales_manager: bool | None) -> str:
    if sales_manager is None:
        return user.role
    if user.role == ADMIN:
        raise MemberError(
            {
                "sales_manager": [
                    "an admin keeps the admin role: change it on the member's page in the panel"
                ]
            }
        )
    return SALES_MANAGER if sales_manager else AGENT


def _settings_from(db: Session, user: User, changes: dict) -> dict:
    team = get_team_settings(db)
    errors: dict[str, list[str]] = {}
    settings = {name: changes[name] for name in FLAGS if name in changes}
    if "payout_factor_percent" in changes:
        settings["payout_factor"] = factor_from_percent(changes["payout_factor_percent"])
    if "manager_commission_percent" in changes:
        settings["manager_commission_percent"] = changes["manager_commission_percent"]
    if "case_types" in changes:
        keys = {t["key"] for t in team.case_types or []}
        unknown = [k for k in changes["case_types"] if k not in keys]
        if unknown:
            errors["case_types"] = [f"not a team case type: {', '.join(unknown)[:200]}"]
        settings["case_types"] = list(dict.fromkeys(changes["case_types"]))
    if "languages" in changes:
        codes = list(team.languages or [])
        unknown = [c for c in changes["languages"] if c not in codes]
        if unknown:
            errors["languages"] = [f"not a team language: {', '.join(unknown)[:200]}"]
        settings["languages"] = list(dict.fromkeys(changes["languages"]))
    if errors:
        raise MemberError(errors)
    return settings


def change_member(db: Session, user: User, changes: dict, *, acting: User, now: datetime):
    """An admin's PATCH of a member's settings; nothing is stored when anything is
    refused (MemberError naming the API's fields)."""
    if user.removed_at is not None:
        raise MemberError({"id": ["removed from the team: a removed member is not changed"]})
    role = _role_after(user, changes.get("sales_manager"))
    settings = _settings_from(db, user, changes)
    try:
        update_member(
            db,
            user,
            acting=acting,
            name=user.name,
            email=user.email,
            role=role,
            password=None,
            settings=settings,
            now=now,
        )
    except AccountError as exc:
        field = "active" if exc.field == "role" and "active" in changes else "sales_manager"
        raise MemberError({field: [str(exc)]}) from None
    db.flush()
    return user

"""Who may do what with commissions, payouts and member settings (SPEC "Commissions and
the team"). Plain rules on a role and a member's flags; blueprints ask these, services
enforce the ones that depend on the commission (nobody approves their own)."""

from __future__ import annotations

from voiceapp.domain.roles import ADMIN, SALES_MANAGER


def sees_payout_factors(role: str) -> bool:
    """Sales managers and admins see every member's payout factor."""
    return role in (ADMIN, SALES_MANAGER)


def sees_manager_commissions(role: str) -> bool:
    """Only admins see what sales managers earn on the team."""
    return role == ADMIN


def sees_all_commissions(role: str) -> bool:
    """Everyone sees their own commissions; managers and admins the whole team's."""
    return role in (ADMIN, SALES_MANAGER)


def may_approve(role: str, can_approve_commissions: bool) -> bool:
    """Admins, and members given the right, approve or reject commissions."""
    return role == ADMIN or can_approve_commissions


def may_approve_this(approver_id: int, commission_user_id: int) -> bool:
    """Nobody approves their own commission, admins and sales managers included: someone
    else with the right must."""
    return approver_id != commission_user_id


def may_pay_out(role: str) -> bool:
    """Sales managers and admins create, cancel and settle payouts."""
    return role in (ADMIN, SALES_MANAGER)


def may_reassign(role: str) -> bool:
    """Moving a member's pending commissions to the vendor: sales managers and admins."""
    return role in (ADMIN, SALES_MANAGER)


def may_change_commission_settings(role: str) -> bool:
    return role == ADMIN


def sees_others_commissions(role: str, can_approve_commissions: bool) -> bool:
    """Whose commissions a member may list: managers and admins the team's, and a member
    given the right to approve the ones they decide on; everyone else only their own."""
    return sees_all_commissions(role) or may_approve(role, can_approve_commissions)

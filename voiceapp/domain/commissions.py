"""How a sale's net amount is split between the team's members, its sales managers and the
vendor (SPEC "Commissions and the team", seed 000).

The seed's worked example, which holds to the cent: 1,000.00 EUR net, a 10 % team share
makes a team commission of 100.00; the seller's payout factor of 100 % pays them 100.00;
a sales manager with 10 % manager commission gets 10 % of what the members are paid,
10.00, out of the vendor's part; the vendor keeps 890.00.

Every amount is a Decimal rounded half up to the currency's minor unit; whatever rounding
leaves over (or takes) is the vendor's, so the parts always add up exactly to the net.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from voiceapp.domain.money import require_decimal, round_money

# Why a member earns a commission (the seed's two reasons).
SALES_TEAM = "sales_team"
SALES_MANAGER = "sales_manager"
REASONS = (SALES_TEAM, SALES_MANAGER)
REASON_LABELS = {SALES_TEAM: "sales team", SALES_MANAGER: "sales manager"}

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Earner:
    """A member who may earn: their id and payout factor (0 to 1: the share of the
    commission they receive, so a beginner can get less)."""

    user_id: int
    payout_factor: Decimal


@dataclass(frozen=True)
class Manager:
    """A sales manager and their manager commission (percent of what the members are
    paid)."""

    user_id: int
    percent: Decimal


@dataclass(frozen=True)
class Share:
    user_id: int
    reason: str
    amount: Decimal


@dataclass(frozen=True)
class Split:
    net: Decimal
    team_commission: Decimal
    shares: tuple[Share, ...]
    vendor: Decimal

    @property
    def members_total(self) -> Decimal:
        return sum((s.amount for s in self.shares if s.reason == SALES_TEAM), Decimal(0))


def split(
    net: Decimal,
    currency: str,
    *,
    team_share_percent: Decimal,
    seller: Earner | None,
    team: list[Earner],
    share_across_team: bool,
    managers: list[Manager],
) -> Split:
    """The commissions on `net` (one payment's net amount).

    Without team sharing the seller alone earns the team commission times their factor
    (no seller, no member commission). With sharing the team commission is divided evenly
    over `team` (the active members, the seller among them), each part times that
    member's factor. Each manager then earns their percent of what the members are paid.
    Zero amounts are left out."""
    net = require_decimal(net, "net")
    team_share_percent = require_decimal(team_share_percent, "team_share_percent")
    team_commission = net * team_share_percent / HUNDRED
    if share_across_team and team:
        earners = _unique(team)
        each = team_commission / len(earners)
    else:
        earners = [seller] if seller is not None else []
        each = team_commission
    shares = [
        Share(e.user_id, SALES_TEAM, round_money(each * e.payout_factor, currency)) for e in earners
    ]
    members_paid = sum((s.amount for s in shares), Decimal(0))
    shares += [
        Share(m.user_id, SALES_MANAGER, round_money(members_paid * m.percent / HUNDRED, currency))
        for m in managers
    ]
    shares = [s for s in shares if s.amount != 0]
    vendor = round_money(net, currency) - sum((s.amount for s in shares), Decimal(0))
    return Split(
        net=round_money(net, currency),
        team_commission=round_money(team_commission, currency),
        shares=tuple(shares),
        vendor=round_money(vendor, currency),
    )


def _unique(team: list[Earner]) -> list[Earner]:
    seen: dict[int, Earner] = {}
    for earner in team:
        seen.setdefault(earner.user_id, earner)
    return list(seen.values())


def payment_net(amount: Decimal, order_net: Decimal, order_total: Decimal, currency: str):
    """The net part of a payment of `amount` on an order of `order_total` gross and
    `order_net` net: instalments and subscription payments earn on what each one brings."""
    if order_total == 0:
        return round_money(Decimal(0), currency)
    if amount == order_total:
        return round_money(order_net, currency)
    return round_money(amount * order_net / order_total, currency)


def due_at(paid_at: datetime, withdrawal_days: int) -> datetime:
    """A commission falls due once the customer's withdrawal period after the payment has
    passed: before that the order may still be cancelled."""
    return paid_at + timedelta(days=withdrawal_days)


def clawback(paid: Decimal, share_returned: Decimal, currency: str) -> Decimal:
    """The negative commission against `paid` (a commission already paid out) when
    `share_returned` (0 to 1) of the sale goes back to the customer."""
    return -round_money(paid * share_returned, currency)

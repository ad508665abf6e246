"""The team's commission settings (SPEC "Commissions and the team"): the team's share of
each sale's net amount, whether commissions need approval, whether a sale's commission
is shared by the whole team, the withdrawal period after which a commission falls due,
the currencies payouts are made in and the minimum payout. One checked path for the API
and the panel: every value is checked before any is stored."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from voiceapp.domain.money import is_known_currency, minor_units
from voiceapp.models import TeamSettings
from voiceapp.services.team_settings import get_team_settings, update_team_settings

MAX_WITHDRAWAL_DAYS = 365
MAX_MINIMUM_PAYOUT = Decimal("1000000")
MAX_CURRENCIES = 20

# Our names (the API's and the form's) -> the team_settings columns.
COLUMNS = {
    "team_share_percent": "commission_team_share_percent",
    "approval_required": "commission_approval_required",
    "share_across_team": "commission_share_across_team",
    "withdrawal_days": "commission_withdrawal_days",
    "payout_currencies": "payout_currencies",
    "minimum_payout": "minimum_payout",
}


class CommissionSettingsError(ValueError):
    """Values that do not check out; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors


def commission_settings(db: Session) -> dict:
    row = get_team_settings(db)
    return {name: getattr(row, column) for name, column in COLUMNS.items()}


def _decimal(value, *, places: int, low: Decimal, high: Decimal, what: str) -> Decimal:
    if isinstance(value, float | bool):
        raise ValueError(f'give {what} as a string, e.g. "10.00"')
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{what} must be a number, e.g. 10.00") from None
    if not number.is_finite():
        raise ValueError(f"{what} must be a number, e.g. 10.00")
    if number.as_tuple().exponent < -places:
        raise ValueError(f"at most {places} decimals")
    if not low <= number <= high:
        raise ValueError(f"between {low} and {high}")
    return number


def _currencies(value) -> list[str]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list | tuple):
        raise ValueError('a list of ISO 4217 codes, e.g. ["EUR"]')
    codes = [str(c).strip().upper() for c in value if str(c).strip()]
    codes = list(dict.fromkeys(codes))
    if not codes:
        raise ValueError("name at least one currency payouts are made in")
    if len(codes) > MAX_CURRENCIES:
        raise ValueError(f"at most {MAX_CURRENCIES} currencies")
    unknown = [c for c in codes if not is_known_currency(c)]
    if unknown:
        raise ValueError(f"not an ISO 4217 currency in use: {', '.join(unknown)[:100]}")
    too_fine = [c for c in codes if minor_units(c) > 2]
    if too_fine:
        raise ValueError(f"{', '.join(too_fine)} has three decimals; amounts keep two")
    return codes


def _checked(name: str, value):
    if name == "team_share_percent":
        return _decimal(value, places=2, low=Decimal(0), high=Decimal(100), what="the share")
    if name in ("approval_required", "share_across_team"):
        if not isinstance(value, bool):
            raise ValueError("true or false")
        return value
    if name == "withdrawal_days":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("a whole number of days")
        if not 0 <= value <= MAX_WITHDRAWAL_DAYS:
            raise ValueError(f"between 0 and {MAX_WITHDRAWAL_DAYS} days")
        return value
    if name == "payout_currencies":
        return _currencies(value)
    if name == "minimum_payout":
        return _decimal(
            value, places=2, low=Decimal(0), high=MAX_MINIMUM_PAYOUT, what="the minimum"
        )
    raise KeyError(name)


def set_commission_settings(db: Session, changes: dict) -> TeamSettings:
    """Check and store the given settings (any of COLUMNS' names); the others stay. Raises
    CommissionSettingsError naming each bad field, having stored nothing."""
    errors: dict[str, list[str]] = {}
    values = {}
    for name, value in changes.items():
        if name not in COLUMNS:
            errors[name] = ["not a commission setting"]
            continue
        try:
            values[COLUMNS[name]] = _checked(name, value)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise CommissionSettingsError(errors)
    return update_team_settings(db, **values)

"""Team-wide settings kept in the database (one row): what an admin changes in the panel.

Twilio credentials given in the environment are the defaults; values saved here by an admin
take precedence. Secrets are stored so the app can use them, and never shown again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from voiceapp.db import Base, utcnow

# Monday .. Sunday -> list of [open, close] "HH:MM" pairs in the team's zone.
DEFAULT_BUSINESS_HOURS = {
    "mon": [["09:00", "18:00"]],
    "tue": [["09:00", "18:00"]],
    "wed": [["09:00", "18:00"]],
    "thu": [["09:00", "18:00"]],
    "fri": [["09:00", "18:00"]],
    "sat": [],
    "sun": [],
}
DEFAULT_CASE_TYPES = [
    {"key": "new_order", "label": "New order follow-up"},
    {"key": "payment_reminder", "label": "Payment reminder"},
    {"key": "cancellation", "label": "Cancellation"},
    {"key": "debt_collection", "label": "Debt collection"},
    {"key": "callback_request", "label": "Callback request"},
    {"key": "missed_call", "label": "Missed call"},
    {"key": "voicemail", "label": "Voicemail"},
]
# What a manager scores a call on, beside its overall score (seed 001, the design card).
DEFAULT_REVIEW_CRITERIA = [
    {"key": "greeting", "label": "Greeting"},
    {"key": "needs_found", "label": "Needs found"},
    {"key": "offer", "label": "Offer"},
    {"key": "closing", "label": "Closing"},
    {"key": "compliance", "label": "Compliance"},
]


class TeamSettings(Base):
    __tablename__ = "team_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Offered in the IVR, in this order (ISO 639-1).
    languages: Mapped[list] = mapped_column(default=lambda: ["de", "en"])
    case_types: Mapped[list] = mapped_column(default=lambda: list(DEFAULT_CASE_TYPES))
    # Which case types a caller can choose in the IVR ("reason for the call").
    ivr_case_types: Mapped[list] = mapped_column(
        default=lambda: ["new_order", "payment_reminder", "cancellation", "callback_request"]
    )
    business_hours: Mapped[dict] = mapped_column(default=lambda: dict(DEFAULT_BUSINESS_HOURS))
    timezone: Mapped[str | None] = mapped_column(String(64))
    ring_timeout_seconds: Mapped[int] = mapped_column(default=25)
    # After a call the agent does not ring for this long (notes, the outcome form).
    wrap_up_seconds: Mapped[int] = mapped_column(default=30)
    ivr_max_attempts: Mapped[int] = mapped_column(default=3)
    voicemail_max_seconds: Mapped[int] = mapped_column(default=120)
    # Delete a recording at Twilio once its media is stored here.
    delete_recordings_at_twilio: Mapped[bool] = mapped_column(default=False)

    # Cases: how long opening a case to call holds it for one agent, how many
    # not-reached calls close it as unreachable, and when customers may be called (their
    # local time; days 0=Monday .. 6=Sunday).
    case_claim_minutes: Mapped[int] = mapped_column(default=15)
    max_not_reached: Mapped[int] = mapped_column(default=10)
    calling_window_opens: Mapped[str] = mapped_column(String(5), default="09:00")
    calling_window_closes: Mapped[str] = mapped_column(String(5), default="20:00")
    calling_days: Mapped[list] = mapped_column(default=lambda: [0, 1, 2, 3, 4, 5])

    # Orders: the seller's country (ISO 3166-1 alpha-2) decides VAT and is printed on the
    # order and the pay page.
    seller_country: Mapped[str] = mapped_column(String(2), default="DE")
    # An unpaid order is cancelled this many days after it was taken.
    order_auto_cancel_days: Mapped[int] = mapped_column(default=14)
    # Who sells, as the pay page names them (and the SEPA mandate names the creditor).
    seller_name: Mapped[str | None] = mapped_column(String(200))
    # The team's bank account: shown on the pay page for bank transfers (offered only
    # with an IBAN), and where SEPA direct debits are collected to. Stored compact and
    # upper case (domain.bank_details), shown in groups.
    bank_account_holder: Mapped[str | None] = mapped_column(String(70))
    bank_iban: Mapped[str | None] = mapped_column(String(34))
    bank_bic: Mapped[str | None] = mapped_column(String(11))
    # The SEPA creditor identifier (DE98ZZZ09999999999): the pay page offers direct debit
    # only when it is set.
    sepa_creditor_id: Mapped[str | None] = mapped_column(String(35))

    twilio_account_sid: Mapped[str | None] = mapped_column(String(34))
    twilio_auth_token: Mapped[str | None] = mapped_column(Text)
    twilio_api_key_sid: Mapped[str | None] = mapped_column(String(34))
    twilio_api_key_secret: Mapped[str | None] = mapped_column(Text)
    twilio_twiml_app_sid: Mapped[str | None] = mapped_column(String(34))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Commissions (SPEC "Commissions and the team"): the team's share of each sale's net
    # amount; whether a member with the right must approve each commission; whether a
    # sale's commission is shared by the whole team; how long after a payment its
    # commission falls due (the customer's withdrawal period); what payouts are made in.
    commission_team_share_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=Decimal("10.00")
    )
    commission_approval_required: Mapped[bool] = mapped_column(default=True)
    commission_share_across_team: Mapped[bool] = mapped_column(default=False)
    commission_withdrawal_days: Mapped[int] = mapped_column(default=14)
    payout_currencies: Mapped[list] = mapped_column(default=lambda: ["EUR"])
    minimum_payout: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))

    # Recordings review: the criteria a call is scored on ([{key, label}]), and how many
    # days a recording is kept before the retention job deletes its media (None: forever).
    review_criteria: Mapped[list] = mapped_column(default=lambda: list(DEFAULT_REVIEW_CRITERIA))
    recording_retention_days: Mapped[int | None] = mapped_column(default=90)
    # The media format recordings are fetched from Twilio in and kept: "mp3" (mono,
    # 32 kbit/s, an eighth of a dual-channel WAV) or "wav" (lossless, each party on a
    # channel of its own when recorded dual).
    recording_format: Mapped[str] = mapped_column(String(3), default="mp3")

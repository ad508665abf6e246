"""SEPA direct debit mandates given on the pay page.

The business must keep each mandate (the SEPA rulebook: for as long as it debits under it,
and 14 months after the last debit) and needs the debtor's full IBAN to collect: the
collection file (pain.008) names the account to debit. So the full IBAN lives here, in the
mandate, and nowhere else: the payment's details and the order's history carry it masked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voiceapp.db import Base, utcnow

# One debit (a single payment) or a series (instalments, a subscription): the mandate's
# sequence type in SEPA's terms.
ONE_OFF, RECURRENT = "OOFF", "RCUR"
SEQUENCE_TYPES = (ONE_OFF, RECURRENT)


class SepaMandate(Base):
    __tablename__ = "sepa_mandates"
    __table_args__ = (CheckConstraint("sequence_type IN ('OOFF', 'RCUR')", name="sequence_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # The pending payment the mandate was given for (the first debit).
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), index=True
    )
    # The mandate reference (the order's payment code, XXXX-XXXX-C) and the creditor
    # identifier as they were when the mandate was given.
    reference: Mapped[str] = mapped_column(String(35))
    creditor_id: Mapped[str] = mapped_column(String(35))
    holder: Mapped[str] = mapped_column(String(70))
    iban: Mapped[str] = mapped_column(String(34))
    sequence_type: Mapped[str] = mapped_column(String(4))
    # The text the debtor accepted, word for word.
    mandate_text: Mapped[str] = mapped_column(Text)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The debtor's address (None when a signed-in member entered it for them on the phone).
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # The member who entered it on the customer's behalf, on the phone (seed 000).
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    order = relationship("Order")
    entered_by = relationship("User")

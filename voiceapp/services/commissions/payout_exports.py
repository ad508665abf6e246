"""A payout run as a file for the bank (or payroll): CSV and Excel (.xlsx, openpyxl).

One row a payout: member name, e-mail, Digistore ID, currency, amount, commissions
count, status, paid date (in the team's time zone). In the spreadsheet the amount is a
number shown with two decimals, so the bank's sheet can add it up.

A member's name or ID that begins like a formula (=, +, -, @) is written with a leading
apostrophe: a spreadsheet opening the file would otherwise run it (CSV injection).
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from voiceapp.domain.spreadsheets import safe_text

if TYPE_CHECKING:
    from voiceapp.models import Payout, PayoutRun

HEADER = (
    "Member",
    "E-mail",
    "Digistore ID",
    "Currency",
    "Amount",
    "Commissions",
    "Status",
    "Paid on",
)


def _paid_on(payout: Payout, zone: str) -> str:
    if payout.paid_at is None:
        return ""
    return payout.paid_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")


def _rows(run: PayoutRun, zone: str):
    for payout in run.payouts:
        user = payout.user
        yield (
            safe_text(user.name),
            safe_text(user.email),
            safe_text(user.digistore_id),
            payout.currency,
            payout.amount,
            payout.commission_count,
            payout.status,
            _paid_on(payout, zone),
        )


def run_csv(run: PayoutRun, zone: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in _rows(run, zone):
        writer.writerow([f"{row[4]:.2f}" if i == 4 else v for i, v in enumerate(row)])
    return out.getvalue()


def run_xlsx(run: PayoutRun, zone: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"Payout run {run.id}"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(run, zone):
        sheet.append(row)
        amount = sheet.cell(row=sheet.max_row, column=5)
        amount.number_format = "0.00"
    for column, width in zip("ABCDEFGH", (28, 32, 16, 10, 12, 12, 10, 12), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

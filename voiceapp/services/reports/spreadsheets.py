"""A report as a file: .xlsx (openpyxl, one sheet per table) or CSV (one table a file).

In the workbook cells are typed as a spreadsheet user expects: counts are numbers, talk
time a duration ([h]:mm:ss on a timedelta, so it adds up past 24 hours), rates
percentages, money a number in its currency's format, the period's days dates. Each
sheet starts with the table's title, the period and what the figures mean; the header
row under them is bold and frozen.

CSV holds one table (the `table` asked for): a header row and the rows, durations in
seconds, rates in percent, money as plain decimals beside its currency, so that any
program reads it back without guessing.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from voiceapp.domain.money import minor_units
from voiceapp.domain.spreadsheets import safe_text
from voiceapp.services.reports.tables import (
    COUNT,
    MONEY,
    PERCENT,
    SECONDS,
    TEXT,
    Column,
    Report,
    Table,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"
SHEET_NAMES = {
    "calls": "Calls",
    "outcomes": "Outcomes",
    "cases": "Cases",
    "funnel": "Funnel",
    "revenue": "Revenue",
}
HEADER_ROW = 4
NUMBER_FORMATS = {COUNT: "0", SECONDS: "[h]:mm:ss", PERCENT: "0.0%"}
DATE_FORMAT = "yyyy-mm-dd"


def file_name(report: Report, fmt: str, table: str | None = None) -> str:
    """calls-report-2025-03-01-to-2025-03-31.xlsx (CSV: the table's name too)."""
    period = report.period
    days = f"{period.first_day.isoformat()}-to-{period.last_day.isoformat()}"
    middle = f"-{table}" if fmt == "csv" and table else ""
    return f"calls-report{middle}-{days}.{fmt}"


def report_xlsx(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in report.tables.values():
        _write_sheet(book.create_sheet(SHEET_NAMES[table.key]), table, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_sheet(sheet, table: Table, report: Report) -> None:
    period = report.period
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["From", period.first_day, "To", period.last_day, "Time zone", period.zone])
    for cell in (sheet["B2"], sheet["D2"]):
        cell.number_format = DATE_FORMAT
        cell.alignment = Alignment(horizontal="left")
    sheet.append([table.note])
    sheet["A3"].font = Font(italic=True)
    sheet.append([column.label for column in table.columns])
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_xlsx_value(column, row) for column in table.columns])
        for index, column in enumerate(table.columns, start=1):
            cell = sheet.cell(row=sheet.max_row, column=index)
            cell.number_format = _number_format(column, row)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    for index, column in enumerate(table.columns, start=1):
        width = 28 if column.key == "member" else max(len(column.label) + 3, 12)
        sheet.column_dimensions[get_column_letter(index)].width = width


def _xlsx_value(column: Column, row: dict):
    value = row[column.key]
    if column.kind == TEXT:
        return safe_text(value)
    if column.kind == SECONDS:
        return timedelta(seconds=value)
    if column.kind == PERCENT:
        return None if value is None else value / Decimal(100)
    return value


def _number_format(column: Column, row: dict) -> str:
    if column.kind == MONEY:
        decimals = minor_units(row["currency"])
        amount = "#,##0" + ("." + "0" * decimals if decimals else "")
        return f'{amount} "{row["currency"]}"'
    return NUMBER_FORMATS.get(column.kind, "General")


def report_csv(report: Report, table_key: str) -> str:
    table = report.tables[table_key]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_csv_label(column) for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(column, row) for column in table.columns])
    return out.getvalue()


def _csv_label(column: Column) -> str:
    unit = {SECONDS: " (seconds)", PERCENT: " (%)"}.get(column.kind, "")
    return column.label + unit


def _csv_value(column: Column, row: dict) -> str:
    value = row[column.key]
    if column.kind == TEXT:
        return safe_text(value)
    if value is None:
        return ""
    return str(value)

"""A workspace list as a file: CSV (streamed) or XLSX (openpyxl, write-only), in the user's language.

Amounts stay numbers in XLSX (a clerk sums them) and plain decimals in CSV (a point, whatever the
language: spreadsheets read it, and the amount is never changed by formatting). Texts a spreadsheet
would run as a formula get a leading apostrophe, as in the API's CSV.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from service.models.invoices import Invoice
from service.spreadsheet_cells import cell
from service.ui.i18n import Translator

COLUMNS = ("col_number", "col_supplier", "col_issue_date", "col_due", "col_order", "col_amount",
           "col_currency", "col_status", "col_reasons", "col_received", "col_id")


def values(t: Translator, inv: Invoice) -> list[Any]:
    """One row: typed values (dates, Decimal) for XLSX; ``text_row`` makes CSV text of them."""
    return [inv.invoice_number, inv.seller_name, inv.issue_date, inv.due_date, inv.purchase_order,
            inv.payable_amount, inv.currency, t.status(inv.status.value),
            ", ".join(dict.fromkeys(t.reason_label(r.code.value) for r in inv.reasons)),
            inv.created_at, str(inv.id)]


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, (date, Decimal)):
        return str(value)
    return cell(value)


def csv_chunks(t: Translator, invoices: Iterable[Invoice]) -> Iterator[bytes]:
    """The CSV in chunks of about a hundred rows; UTF-8 with a BOM so Excel reads the accents."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(c) for c in COLUMNS])
    yield "\ufeff".encode() + out.getvalue().encode()
    out.seek(0), out.truncate()
    for n, inv in enumerate(invoices, 1):
        writer.writerow([_text(v) for v in values(t, inv)])
        if n % 100 == 0:
            yield out.getvalue().encode()
            out.seek(0), out.truncate()
    yield out.getvalue().encode()


def xlsx_file(t: Translator, invoices: Iterable[Invoice]) -> bytes:
    """The workbook; write-only mode keeps memory flat however many rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(t("nav_find"))
    sheet.append([t(c) for c in COLUMNS])
    for inv in invoices:
        row = values(t, inv)
        row[9] = row[9].replace(tzinfo=None) if row[9] else None  # Excel has no time zones: UTC as written
        sheet.append([cell(v) if isinstance(v, str) else v for v in row])
    with tempfile.TemporaryFile() as tmp:
        book.save(tmp)
        tmp.seek(0)
        return tmp.read()

"""new_row / Invoice.new: the constructor's object without its attribute events, equal in every way
that is read (fields, fields set, defaults, the stored row)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import subprocess
import sys

import pytest

from service.models.base import new_id, new_row
from service.models.invoices import AuditEvent, DocumentType, Invoice, InvoiceStatus

_AT = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)


def _invoice_values() -> dict:
    return dict(id=new_id(), status=InvoiceStatus.received, reasons=[], created_at=_AT, updated_at=_AT,
                sha256="e" * 64, size_bytes=4, document=b"<x/>", received_by="key:t",
                document_type=DocumentType.invoice, invoice_number="INV-1", issue_date=date(2026, 12, 1),
                currency="EUR", payable_amount=Decimal("12.345"), tax_inclusive_amount=Decimal("12.345"),
                data={"number": "INV-1"}, invoice_response_required=False)


def _fields(row) -> dict:
    return {name: getattr(row, name) for name in type(row).model_fields}


def test_invoice_new_equals_the_constructor():
    values = _invoice_values()
    made, built = Invoice(**values), Invoice.new(**values)
    assert _fields(built) == _fields(made)
    assert built.payable_cents == 1234  # what the constructor's amount listener gives
    assert built.model_fields_set == made.model_fields_set
    assert built.model_dump() == made.model_dump()
    assert {k: v for k, v in vars(built).items() if k != "_sa_instance_state"} == \
        {k: v for k, v in vars(made).items() if k != "_sa_instance_state"}


def test_defaults_are_filled_and_fresh():
    a, b = new_row(Invoice, sha256="f" * 64, document=b"<x/>"), new_row(Invoice, sha256="0" * 64, document=b"<x/>")
    assert a.id != b.id and a.reasons == [] and a.reasons is not b.reasons
    assert a.status is InvoiceStatus.received and a.created_at.tzinfo is not None


def test_unknown_fields_are_refused():
    with pytest.raises(TypeError, match="no field"):
        new_row(AuditEvent, invoice_id=new_id(), to_status=InvoiceStatus.received, actor="a", colour="red")


def test_a_new_row_is_transient_and_flushes_like_a_constructed_one(session):
    values = _invoice_values()
    invoice = Invoice.new(**values)
    session.add(invoice)
    session.flush()  # no relationship tells the unit of work the order
    event = new_row(AuditEvent, invoice_id=invoice.id, to_status=InvoiceStatus.received, actor="a",
                    reason_codes=["X"], at=_AT)
    session.add(event)
    session.commit()
    session.expire_all()
    stored = session.get(Invoice, values["id"])
    assert stored.payable_amount == Decimal("12.345") and stored.payable_cents == 1234
    assert stored.invoice_number == "INV-1" and stored.data == {"number": "INV-1"}
    assert session.get(AuditEvent, event.id).reason_codes == ["X"]
    invoice.currency = "USD"  # an assignment after new_row is an ordinary, flushed change
    session.commit()
    session.expire_all()
    assert session.get(Invoice, values["id"]).currency == "USD"


@pytest.mark.process
def test_a_new_row_is_usable_as_the_first_thing_a_process_does():
    # the constructor configures SQLAlchemy's mappers on first use (until then an attribute has no
    # implementation to read through); new_row must too
    code = ("from service.models.invoices import Invoice\n"
            "invoice = Invoice.new(sha256='a' * 64, document=b'<x/>')\n"
            "assert invoice.linked_order is None and invoice.sha256 == 'a' * 64\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

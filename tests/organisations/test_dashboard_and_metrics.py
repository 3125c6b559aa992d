"""The dashboard per organisation and across all of them; /metrics per organisation."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from service.models.invoices import InvoiceStatus
from service.ui import dashboard as dash
from tests.workspace.factories import make_invoice

NOORD, ZUID = uuid.uuid4(), uuid.uuid4()


def _seed(engine) -> None:
    with Session(engine) as s:
        for org, seller, n in ((NOORD, "Kantoor Noord B.V.", 3), (ZUID, "Groen Zuid B.V.", 2)):
            for i in range(n):
                invoice = make_invoice(s, number=f"{seller[:5]}-{i}", seller=seller, commit=False)
                invoice.organisation_id = org
                s.add(invoice)
        s.commit()


def test_the_dashboard_counts_one_organisation_or_all(engine) -> None:
    _seed(engine)
    with Session(engine) as s:
        noord = dash.compute(s, organisation_id=NOORD)
        everyone = dash.compute(s)
    assert sum(k for _, k in noord.volume) == 3
    assert sum(k for _, k in everyone.volume) == 5
    assert [name for name, *_ in noord.suppliers] == ["Kantoor Noord B.V."]
    assert {name for name, *_ in everyone.suppliers} == {"Kantoor Noord B.V.", "Groen Zuid B.V."}
    assert sum(k for _, k in noord.open_ageing) == 3


def test_metrics_report_invoices_per_organisation(bare_client, engine, make_key) -> None:
    _seed(engine)
    body = bare_client.get("/metrics", headers=make_key("admin")).text
    status = InvoiceStatus.needs_review.value
    assert f'einvoice_organisation_invoices{{organisation="{NOORD}",status="{status}"}} 3' in body
    assert f'einvoice_organisation_invoices{{organisation="{ZUID}",status="{status}"}} 2' in body

#!/usr/bin/env python3
"""Example ERP integration: poll the change feed, book every approved invoice, acknowledge it.

    python examples/erp_poller.py --base-url http://127.0.0.1:8000 --key "$EINVOICE_ERP_KEY" \
        --cursor-file data/erp-cursor.txt --out data/erp-inbox [--once]

What it does, in a loop:

1. ``GET /v1/events?after=<cursor>`` (the cursor is kept in a file, so a restart continues where it
   stopped; the feed is in commit order and a stored cursor never skips an event);
2. for each event whose ``to`` is ``approved``: ``GET /v1/invoices/{id}`` (status, BT-1, BT-2, BT-5,
   seller, BT-13, totals BT-106..BT-115), ``GET /v1/invoices/{id}/data`` (the whole EN 16931 model as
   JSON: parties, lines, VAT breakdown) and ``GET /v1/invoices/{id}/document`` (the original UBL),
   "books" it (here: writes them to ``--out``), then ``POST /v1/invoices/{id}/booked`` with the ERP
   document number;
3. stores the event's cursor (atomically) after each event.

Crash-safe: if it stops between booking and storing the cursor, the event comes again, and the
service answers the repeated ``booked`` with 200 ``changed: false``. An invoice that moved on in
the meantime (409) is logged and skipped. Needs only ``httpx`` (``pip install httpx``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import httpx

log = logging.getLogger("erp_poller")


class Poller:
    def __init__(self, base_url: str, key: str, cursor_file: Path, out: Path, *, page_size: int = 100,
                 client: httpx.Client | None = None) -> None:
        self.http = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=30,
                                           headers={"Authorization": f"Bearer {key}"})
        self.cursor_file = cursor_file
        self.out = out
        self.page_size = page_size

    # --- cursor ---------------------------------------------------------------------------------

    def load_cursor(self) -> str | None:
        try:
            return self.cursor_file.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def save_cursor(self, cursor: str) -> None:
        self.cursor_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cursor_file.with_suffix(self.cursor_file.suffix + ".tmp")
        tmp.write_text(cursor, encoding="utf-8")
        os.replace(tmp, self.cursor_file)  # atomic: never a half-written cursor

    # --- one page -------------------------------------------------------------------------------

    def poll_once(self) -> int:
        """Handle one page of events; returns how many events it contained."""
        params: dict[str, str | int] = {"limit": self.page_size}
        cursor = self.load_cursor()
        if cursor:
            params["after"] = cursor
        r = self.http.get("/v1/events", params=params)
        r.raise_for_status()
        page = r.json()
        for event in page["data"]:
            if event["to"] == "approved":
                self.book(event["invoice_id"])
            self.save_cursor(event["cursor"])
        if not page["data"] and page["next_cursor"] and page["next_cursor"] != cursor:
            self.save_cursor(page["next_cursor"])
        return len(page["data"])

    def book(self, invoice_id: str) -> None:
        r = self.http.get(f"/v1/invoices/{invoice_id}")
        r.raise_for_status()
        invoice = r.json()
        if invoice["status"] != "approved":
            log.info("invoice %s is %s by now; not booking it", invoice_id, invoice["status"])
            return
        data = self.http.get(f"/v1/invoices/{invoice_id}/data")
        data.raise_for_status()
        ubl = self.http.get(f"/v1/invoices/{invoice_id}/document")
        ubl.raise_for_status()

        erp_number = self.post_to_ledger(invoice, data.json(), ubl.content)

        r = self.http.post(f"/v1/invoices/{invoice_id}/booked", json={"erp_document_number": erp_number})
        if r.status_code == 409:
            problem = r.json()
            log.warning("invoice %s not booked: %s (allowed now: %s)", invoice_id, problem.get("detail"),
                        problem.get("allowed"))
            return
        r.raise_for_status()
        log.info("booked invoice %s (BT-1 %s) as %s%s", invoice_id, invoice.get("invoice_number"), erp_number,
                 "" if r.json()["changed"] else " (already booked)")

    def post_to_ledger(self, invoice: dict, en16931: dict, ubl: bytes) -> str:
        """Stand-in for the ERP: store the invoice and return its ERP document number.

        Keyed by the invoice id, so doing it twice (a crash before ``booked`` was acknowledged)
        overwrites instead of booking twice; a real ERP should keep the id as an external key too.
        """
        self.out.mkdir(parents=True, exist_ok=True)
        erp_number = f"ERP-{invoice['id'][:8].upper()}"
        record = {"invoice": invoice, "en16931": en16931}
        (self.out / f"{erp_number}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        (self.out / f"{erp_number}.xml").write_bytes(ubl)
        return erp_number

    def run(self, *, once: bool, interval: float) -> None:
        while True:
            try:
                handled = self.poll_once()
            except httpx.HTTPError as exc:  # service away or 5xx: wait and try again
                if once:
                    raise
                log.warning("poll failed (%s); retrying in %ss", exc, interval)
                time.sleep(interval)
                continue
            if handled == 0:
                if once:
                    return
                time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base-url", default=os.environ.get("EINVOICE_URL", "http://127.0.0.1:8000"))
    p.add_argument("--key", default=os.environ.get("EINVOICE_API_KEY"), help="an erp API key (or EINVOICE_API_KEY)")
    p.add_argument("--cursor-file", type=Path, default=Path("data/erp-cursor.txt"))
    p.add_argument("--out", type=Path, default=Path("data/erp-inbox"), help="where the stand-in ERP stores invoices")
    p.add_argument("--interval", type=float, default=10.0, help="seconds between polls when nothing is new")
    p.add_argument("--once", action="store_true", help="handle everything that is there, then exit")
    args = p.parse_args(argv)
    if not args.key:
        p.error("an API key is needed: --key or EINVOICE_API_KEY")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        Poller(args.base_url, args.key, args.cursor_file, args.out).run(once=args.once, interval=args.interval)
    except KeyboardInterrupt:
        return 0
    except httpx.HTTPError as exc:
        print(f"erp_poller: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

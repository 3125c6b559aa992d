"""Buyer organisations: the directory invoices' buyers are looked up in (pure) and its storage."""

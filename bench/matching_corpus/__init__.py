"""The labelled matching corpus (test data, not part of the service).

Suppliers, orders, receipts and real Peppol BIS Billing 3.0 UBL invoices and credit notes, each
document labelled with the status and exact reason codes it must get. ``catalogue`` has the basic
cases, ``categories`` the robustness categories (order references, units, prices, lines, receipts,
amounts, IBANs, duplicates), ``runner`` posts a corpus through the HTTP API and summarises it.

Used by ``bench/bench_matching.py`` (``make bench-matching``), by the tests, and by
``python -m bench.matching_corpus DIR`` (``make matching-corpus``), which writes it to a directory.
"""

from bench.matching_corpus.catalogue import Corpus, build_corpus, iter_documents
from bench.matching_corpus.categories import CATEGORIES
from bench.matching_corpus.runner import CorpusRunner, Outcome, category_of, per_category, summarise

__all__ = ["CATEGORIES", "Corpus", "CorpusRunner", "Outcome", "build_corpus", "category_of", "iter_documents",
           "per_category", "summarise"]

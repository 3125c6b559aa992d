"""The labelled corpus through the real app: every case of the catalogue, via the HTTP API."""

from __future__ import annotations

import pytest

from bench.matching_corpus import CATEGORIES, Corpus, CorpusRunner, summarise


def test_every_corpus_case_gets_its_labelled_status_and_reason_codes(client, make_key):
    corpus = Corpus(seed=11)
    for case in Corpus.CATALOGUE:
        getattr(corpus, case)()
    runner = CorpusRunner(client, erp=make_key("erp"), gateway=make_key("gateway"),
                          verifier=make_key("admin"))
    summary = summarise(runner.run(corpus.steps))
    assert summary["mismatches"] == [], summary["mismatches"]
    assert summary["false_approvals"] == 0
    assert summary["straight_through_rate"] == 1.0
    assert summary["reason_code_accuracy"] == 1.0
    assert len(summary["per_case"]) >= 28


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_robustness_category_passes_its_must_pass_invoices_and_flags_its_near_misses(client, make_key,
                                                                                          category):
    corpus = Corpus(seed=15)
    getattr(corpus, f"cat_{category}")()
    runner = CorpusRunner(client, erp=make_key("erp"), gateway=make_key("gateway"),
                          verifier=make_key("admin"))
    summary = summarise(runner.run(corpus.steps))
    stats = summary["per_category"][category]
    assert stats["should_approve"] >= 2 and stats["should_flag"] >= 1, stats  # both kinds in every category
    assert summary["mismatches"] == [], summary["mismatches"]
    assert stats["false_approvals"] == 0 and stats["straight_through_rate"] == 1.0

"""The labelled corpus through the real app: every case of the catalogue, via the HTTP API."""

from __future__ import annotations

from service.matching.corpus import Corpus, CorpusRunner, summarise


def test_every_corpus_case_gets_its_labelled_status_and_reason_codes(client, make_key):
    corpus = Corpus(seed=11)
    for case in Corpus.CATALOGUE:
        getattr(corpus, case)()
    runner = CorpusRunner(client, erp=make_key("erp"), gateway=make_key("gateway"))
    summary = summarise(runner.run(corpus.steps))
    assert summary["mismatches"] == [], summary["mismatches"]
    assert summary["false_approvals"] == 0
    assert summary["straight_through_rate"] == 1.0
    assert summary["reason_code_accuracy"] == 1.0
    assert len(summary["per_case"]) >= 28

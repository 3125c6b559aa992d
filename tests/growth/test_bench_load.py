"""`make bench-load` works end to end (a small run: the figures themselves come from quiet runs)."""

from __future__ import annotations

import pytest

from bench import bench_load


@pytest.mark.slow
def test_a_small_load_run_on_sqlite_reports_every_figure(artifacts_dir, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("EINVOICE_ARTIFACTS_DIR", str(artifacts_dir))
    out = tmp_path / "load.json"
    results = bench_load.main(["--database", "sqlite", "--invoices", "12", "--clients", "3", "--rate", "6",
                               "--seconds", "1", "--warm-up", "2", "--json", str(out)])
    closed, opened = results["runs"]
    assert closed["created"] == 12 and closed["errors"] == 0 and closed["per_second"] > 0
    assert opened["requests"] == 6 and opened["created"] == 6
    assert closed["p50_ms"] <= closed["p99_ms"] and closed["server_cpu_ms_per_invoice"] > 0
    assert len(results["rss_mb_per_worker"]["last"]) == 1 and results["rss_mb_per_worker"]["last"][0] > 50
    assert {r["label"] for r in results["reads"]} >= {"GET /v1/invoices/{id}", "GET /v1/invoices (first page, 50)"}
    assert out.read_text().startswith("{") and "invoices/s" not in capsys.readouterr().err

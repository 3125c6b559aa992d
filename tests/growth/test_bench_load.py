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


@pytest.mark.process
def test_the_raw_load_client_reads_each_answer_whole_on_one_connection_and_reconnects_after_close():
    from bench.raw_http import RawClient
    from tests.servers import serving

    seen: list[tuple[str, bytes]] = []

    async def app(scope, receive, send):
        if scope["type"] != "http":  # lifespan
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        seen.append((dict(scope["headers"])[b"authorization"].decode(), body))
        status = int(body or b"200")
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"100000")] + ([(b"connection", b"close")] if status == 409 else [])
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"x" * 100_000})  # larger than one recv

    with serving(app) as url, RawClient(url, {"Authorization": "Bearer k"}) as client:
        assert [client.post("/v1/invoices", code) for code in (b"201", b"422", b"409", b"201")] == [201, 422, 409, 201]
    assert seen == [("Bearer k", b"201"), ("Bearer k", b"422"), ("Bearer k", b"409"), ("Bearer k", b"201")]

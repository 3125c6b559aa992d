"""The Peppol envelope (SBDH): its checks, BR-SBDH-1..4, and the payload validated as any document."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.validation import Outcome, ValidationEngine

from tests.sbdh import _ids, wrap

BASE = "peppol-bis-billing-3@3.0.21/rules/examples/base-example.xml"


@pytest.fixture(scope="module")
def base(mirror: Path) -> bytes:
    return (mirror / BASE).read_bytes()


def test_sound_envelope_then_the_payload_layers(engine: ValidationEngine, base: bytes) -> None:
    report = engine.validate(wrap(base, instance="msg-1"))
    assert report.outcome is Outcome.valid
    assert report.scenario == "peppol-bis-billing-3"
    assert [layer.name for layer in report.layers] == ["xml", "envelope", "xsd", "en16931-peppol", "peppol-bis-3"]
    env = report.envelope
    assert env is not None
    *_, seller, buyer = _ids(base)
    assert (env.sender, env.receiver, env.instance_identifier, env.country_c1) == (seller, buyer, "msg-1", "NL")
    assert env.process == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert env.document_type.startswith("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##")
    envelope_layer = next(layer for layer in report.layers if layer.name == "envelope")
    assert envelope_layer.artefact is not None
    assert envelope_layer.artefact.path == "peppol-bis-billing-3@3.0.21/rules/sch/PeppolBIS-Envelope-Rules.sch"


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"receiver": "0088:5790000436101"}, {"BR-SBDH-1"}),
    ({"sender": "0088:5790000436101"}, {"BR-SBDH-2"}),
    ({"sender": "no-scheme"}, {"SBDH-SENDER-ID", "BR-SBDH-2"}),
    ({"process": "urn:fdc:peppol.eu:2017:poacc:billing:02:1.0"}, {"SBDH-PROCESSID"}),
    ({"document_type": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##x::2.1"},
     {"SBDH-DOCUMENTID"}),
    ({"country": "nld"}, {"SBDH-COUNTRY_C1"}),
], ids=["receiver-not-buyer", "sender-not-seller", "sender-malformed", "process-differs", "document-type-differs",
        "country"])
def test_broken_envelope_is_envelope_invalid_with_the_failed_checks(
    engine: ValidationEngine, base: bytes, kwargs: dict, expected: set[str]
) -> None:
    report = engine.validate(wrap(base, **kwargs))
    assert report.reason_code == "ENVELOPE_INVALID"
    assert set(report.failed_rule_ids) == expected
    assert all(f.layer == "envelope" for f in report.fatal_findings)


def test_envelope_without_a_payload(engine: ValidationEngine, base: bytes) -> None:
    sbd = wrap(base).replace(base.split(b"?>", 1)[1].strip(), b"")
    report = engine.validate(sbd)
    assert report.reason_code == "ENVELOPE_INVALID"
    assert report.failed_rule_ids == ("SBDH-PAYLOAD",)
    assert report.scenario is None


def test_missing_instance_identifier_and_header_version(engine: ValidationEngine, base: bytes) -> None:
    sbd = wrap(base, instance="X").replace(b"<InstanceIdentifier>X</InstanceIdentifier>", b"") \
        .replace(b"<HeaderVersion>1.0</HeaderVersion>", b"<HeaderVersion>2.0</HeaderVersion>")
    assert set(engine.validate(sbd).failed_rule_ids) == {"SBDH-INSTANCE-IDENTIFIER", "SBDH-HEADER-VERSION"}


def test_invalid_payload_in_a_sound_envelope_is_a_rule_violation(engine: ValidationEngine, base: bytes) -> None:
    broken = base.replace(b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25', b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26')
    report = engine.validate(wrap(broken))
    assert report.reason_code == "RULE_VIOLATION"
    assert "BR-CO-15" in report.failed_rule_ids

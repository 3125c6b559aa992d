"""Peppol's MimeCode list is read from the installed artefacts; bytes are checked against the type."""

from __future__ import annotations

from service.intake.attachments import MIME_CODELIST, allowed_mime_codes, content_matches, safe_media_type


def test_the_list_comes_from_the_installed_artefacts(artifacts_dir):
    codes = allowed_mime_codes(artifacts_dir)
    assert "application/pdf" in codes and "image/png" in codes and "text/csv" in codes
    assert "application/zip" not in codes and "text/html" not in codes


def test_a_changed_code_list_is_honoured(tmp_path):
    path = tmp_path / MIME_CODELIST
    path.parent.mkdir(parents=True)
    path.write_text('<CodeList xmlns="urn:fdc:difi.no:2017:vefa:structure:CodeList-1">'
                    "<Code><Id>application/pdf</Id></Code></CodeList>")
    assert allowed_mime_codes(tmp_path) == frozenset({"application/pdf"})


def test_content_sniffing():
    assert content_matches("application/pdf", b"%PDF-1.7\n...")
    assert not content_matches("application/pdf", b"<html><script>")
    assert content_matches("image/png", b"\x89PNG\r\n\x1a\n....")
    assert content_matches("image/jpeg", b"\xff\xd8\xff\xe0")
    assert content_matches("text/csv", b"a;b\n1;2\n")
    assert not content_matches("text/csv", b"\x00\x01")
    assert content_matches("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04...")
    assert not content_matches(None, b"%PDF-")
    assert safe_media_type("application/pdf", True, True) == "application/pdf"
    assert safe_media_type("application/pdf", True, False) == "application/octet-stream"
    assert safe_media_type("text/html", False, False) == "application/octet-stream"

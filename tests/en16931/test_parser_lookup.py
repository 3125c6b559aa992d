"""The UBL parser's own element look-up (first child of each name, recorded once per parse) finds
what lxml's ``find`` finds, also when only a later sibling of a step's name holds the rest of the path."""

from __future__ import annotations

from lxml import etree

from service.en16931 import parser as P

_DOC = (f'<Invoice xmlns="{P.INVOICE_NS}" xmlns:cac="{P.CAC}" xmlns:cbc="{P.CBC}">'
        "<cac:PartyName/><cac:PartyName><cbc:Name> second </cbc:Name></cac:PartyName>"
        "<cac:PartyName><cbc:Name>third</cbc:Name></cac:PartyName></Invoice>").encode()


def test_a_later_sibling_holds_the_rest_of_the_path():
    root = etree.fromstring(_DOC)
    with P._parsing(root):
        assert P._find(root, "cac:PartyName/cbc:Name") is root.find("cac:PartyName/cbc:Name", P.NS)
        assert P._text(root, "cac:PartyName/cbc:Name") == "second"
        assert [e.text for e in P._iter(root, "cac:PartyName/cbc:Name")] == [" second ", "third"]
        assert P._text(root, "cac:PartyName/cbc:Missing") is None

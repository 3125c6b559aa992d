"""Peppol business message envelopes (SBDH) around test documents, as an access point writes them."""

from __future__ import annotations

import re
import uuid

from lxml import etree

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"


def _ids(payload: bytes) -> tuple[str, str, str, str, str | None, str | None]:
    root = etree.fromstring(payload)
    q = etree.QName(root)
    cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
    cac = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
    if q.localname == "CrossIndustryInvoice":
        ram = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
        rsm = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"
        context = f"{rsm}ExchangedDocumentContext/"
        agreement = f"{rsm}SupplyChainTradeTransaction/{ram}ApplicableHeaderTradeAgreement/"

        def cii_endpoint(party: str) -> str | None:
            el = root.find(f"{agreement}{ram}{party}/{ram}URIUniversalCommunication/{ram}URIID")
            return f"{el.get('schemeID')}:{el.text.strip()}" if el is not None else None

        return (q.namespace, q.localname,
                root.findtext(f"{context}{ram}GuidelineSpecifiedDocumentContextParameter/{ram}ID"),
                root.findtext(f"{context}{ram}BusinessProcessSpecifiedDocumentContextParameter/{ram}ID")
                or "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
                cii_endpoint("SellerTradeParty"), cii_endpoint("BuyerTradeParty"))
    customization = root.findtext(f"{cbc}CustomizationID")
    profile = root.findtext(f"{cbc}ProfileID")

    def endpoint(party: str) -> str | None:
        el = root.find(f"{cac}{party}/{cac}Party/{cbc}EndpointID")
        return f"{el.get('schemeID')}:{el.text.strip()}" if el is not None else None

    return q.namespace, q.localname, customization, profile, endpoint("AccountingSupplierParty"), \
        endpoint("AccountingCustomerParty")


def wrap(payload: bytes, *, sender: str | None = None, receiver: str | None = None,
         instance: str | None = None, document_type: str | None = None, process: str | None = None,
         country: str = "NL") -> bytes:
    """``payload`` (a UBL invoice) in an SBDH whose sender / receiver default to the document's
    seller / buyer electronic addresses (BR-SBDH-1/2)."""
    namespace, local, customization, profile, seller, buyer = _ids(payload)
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", payload)
    document_type = document_type or f"{namespace}::{local}##{customization}::2.1"
    header = f"""<?xml version="1.0" encoding="UTF-8"?>
<StandardBusinessDocument xmlns="{SBDH_NS}">
  <StandardBusinessDocumentHeader>
    <HeaderVersion>1.0</HeaderVersion>
    <Sender><Identifier Authority="iso6523-actorid-upis">{sender or seller}</Identifier></Sender>
    <Receiver><Identifier Authority="iso6523-actorid-upis">{receiver or buyer}</Identifier></Receiver>
    <DocumentIdentification>
      <Standard>{namespace}</Standard>
      <TypeVersion>2.1</TypeVersion>
      <InstanceIdentifier>{instance or uuid.uuid4()}</InstanceIdentifier>
      <Type>{local}</Type>
      <CreationDateAndTime>2026-12-01T10:00:00Z</CreationDateAndTime>
    </DocumentIdentification>
    <BusinessScope>
      <Scope><Type>DOCUMENTID</Type><InstanceIdentifier>{document_type}</InstanceIdentifier><Identifier>busdox-docid-qns</Identifier></Scope>
      <Scope><Type>PROCESSID</Type><InstanceIdentifier>{process or profile}</InstanceIdentifier><Identifier>cenbii-procid-ubl</Identifier></Scope>
      <Scope><Type>COUNTRY_C1</Type><InstanceIdentifier>{country}</InstanceIdentifier></Scope>
    </BusinessScope>
  </StandardBusinessDocumentHeader>
"""
    return header.encode() + body + b"\n</StandardBusinessDocument>\n"

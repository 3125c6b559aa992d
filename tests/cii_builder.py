"""Small, valid CII D16B invoices for intake tests (the EN 16931 CII binding, amounts computed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class CiiLine:
    line_id: str
    name: str
    quantity: Decimal
    price: Decimal
    order_line: str | None = None
    unit: str = "C62"
    seller_item_id: str | None = None

    @property
    def net(self) -> Decimal:
        return (self.quantity * self.price).quantize(CENT, ROUND_HALF_UP)


def cii_invoice(number: str, lines: list[CiiLine], *, seller_name: str, seller_kvk: str, seller_vat: str,
                iban: str, po: str | None = None, issue_date: date = date(2026, 12, 1),
                buyer_endpoint: tuple[str, str] = ("0190", "00000001234567890000"), type_code: str = "380",
                guideline: str = "urn:cen.eu:en16931:2017", rate: Decimal = Decimal(21)) -> bytes:
    total = sum((ln.net for ln in lines), Decimal(0))
    tax = (total * rate / 100).quantize(CENT, ROUND_HALF_UP)
    items = "".join(f"""
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>{ln.line_id}</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct>{f"<ram:SellerAssignedID>{ln.seller_item_id}</ram:SellerAssignedID>" if ln.seller_item_id else ""}<ram:Name>{ln.name}</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>{f"<ram:BuyerOrderReferencedDocument><ram:LineID>{ln.order_line}</ram:LineID></ram:BuyerOrderReferencedDocument>" if ln.order_line else ""}
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>{ln.price}</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="{ln.unit}">{ln.quantity}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{rate}</ram:RateApplicablePercent></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{ln.net}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>""" for ln in lines)
    order = f"<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{po}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>" if po else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{guideline}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:TypeCode>{type_code}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{issue_date:%Y%m%d}</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>{items}
    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerReference>AFD-INKOOP</ram:BuyerReference>
      <ram:SellerTradeParty>
        <ram:Name>{seller_name}</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0106">{seller_kvk}</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress><ram:PostcodeCode>1011 AA</ram:PostcodeCode><ram:LineOne>Damrak 1</ram:LineOne><ram:CityName>Amsterdam</ram:CityName><ram:CountryID>NL</ram:CountryID></ram:PostalTradeAddress>
        <ram:URIUniversalCommunication><ram:URIID schemeID="0106">{seller_kvk}</ram:URIID></ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{seller_vat}</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Gemeente Voorbeeld</ram:Name>
        <ram:PostalTradeAddress><ram:PostcodeCode>3511 AA</ram:PostcodeCode><ram:CityName>Utrecht</ram:CityName><ram:CountryID>NL</ram:CountryID></ram:PostalTradeAddress>
        <ram:URIUniversalCommunication><ram:URIID schemeID="{buyer_endpoint[0]}">{buyer_endpoint[1]}</ram:URIID></ram:URIUniversalCommunication>
      </ram:BuyerTradeParty>{order}
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>58</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{iban}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>{tax}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{total}</ram:BasisAmount>
        <ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{rate}</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">{issue_date:%Y%m}28</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{total}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>{total}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">{tax}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{total + tax}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{total + tax}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()

"""The demo organisation: a Dutch municipality, its suppliers and what it buys from them.

Fictional names and numbers; the identifiers are well-formed (KvK 8 digits, an OIN with a valid
RSIN, BTW-ids that pass the 11-test, IBANs with correct check digits) so master data accepts them
as it would real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from service.demo.ubl import Party

D = Decimal


def btw_id(digits: str) -> str:
    """A Dutch BTW-id: the first 8 of ``digits``, their 11-test check digit, then B01."""
    first = [int(c) for c in digits[:8]]
    check = sum(d * w for d, w in zip(first, range(9, 1, -1))) % 11
    if check == 10:
        raise ValueError(f"{digits[:8]} has no 11-test check digit")
    return f"NL{digits[:8]}{check}B01"


def iban(bank: str, account: str) -> str:
    """A Dutch IBAN (ISO 13616 check digits) for a 4-letter bank code and a 10-digit account."""
    rearranged = f"{bank}{account}NL00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"NL{98 - number % 97:02d}{bank}{account}"


@dataclass(frozen=True)
class Item:
    sku: str  # BT-155, the supplier's article number
    name: str  # BT-153
    unit: str  # BT-130 (UN/ECE Rec 20)
    price: Decimal  # BT-146
    vat_rate: Decimal = Decimal(21)


@dataclass(frozen=True)
class Supplier:
    key: str
    name: str
    kvk: str
    vat_digits: str
    street: str
    city: str
    postal_zone: str
    bank: str
    account: str
    goods: bool  # goods need a goods receipt before they are paid (3-way); services do not
    items: tuple[Item, ...]
    weekly: bool = False  # invoices every week against a framework order (services)

    @property
    def vat_id(self) -> str:
        return btw_id(self.vat_digits)

    @property
    def iban(self) -> str:
        return iban(self.bank, self.account)

    @property
    def party(self) -> Party:
        return Party(self.name, ("0106", self.kvk), ("0106", self.kvk), self.street, self.city,
                     self.postal_zone, vat_id=self.vat_id)

    def master_data(self) -> dict:
        """The body an ERP would POST to /v1/suppliers."""
        return {
            "name": self.name,
            "identifiers": [{"scheme": "0106", "value": self.kvk}, {"scheme": "VAT", "value": self.vat_id}],
            "electronic_address": {"scheme": "0106", "value": self.kvk},
            "bank_accounts": [{"iban": self.iban}],
        }


# The RSIN 002220647 passes the 11-test; an OIN of a municipality is 00000001 + RSIN + 000.
BUYER_OIN = "00000001002220647000"
BUYER = Party("Gemeente Voorbeeldstad", ("0190", BUYER_OIN), ("0190", BUYER_OIN), "Raadhuisplein 1",
              "Voorbeeldstad", "1234 AB")

SUPPLIERS: tuple[Supplier, ...] = (
    Supplier("office", "Kantoorartikelen Noord B.V.", "30127845", "81234567", "Industrieweg 12", "Groningen",
             "9723 AB", "INGB", "0006543210", goods=True, items=(
                 Item("P-A4-500", "Printpapier A4 80 g, pak 500 vel", "XPK", D("4.25")),
                 Item("TN-HP-59A", "Tonercartridge zwart HP 59A", "C62", D("89.50")),
                 Item("MAP-A4-25", "Ordner A4 rug 8 cm, doos 25", "XBX", D("61.75")),
                 Item("BUR-ERGO", "Bureaustoel ergonomisch", "C62", D("329.00")),
                 Item("WB-120", "Whiteboard 120 x 90 cm", "C62", D("118.40")),
             )),
    Supplier("print", "Drukkerij De Vries B.V.", "27183904", "80512347", "Papiermolen 4", "Zwolle", "8011 CB",
             "RABO", "0312456789", goods=True, items=(
                 Item("FLY-A5", "Flyers A5 gemeentenieuws, per 1000", "H87", D("96.00")),
                 Item("ENV-C5", "Enveloppen C5 met logo, per 500", "H87", D("54.30")),
                 Item("BRO-A4", "Brochure A4 16 pagina's", "C62", D("1.85")),
                 Item("POS-A1", "Poster A1 evenementen", "C62", D("7.40")),
             )),
    Supplier("green", "Groenvoorziening Jansen B.V.", "09876543", "81990342", "Kwekerijweg 7", "Boskoop",
             "2771 KL", "ABNA", "0417164300", goods=False, weekly=True, items=(
                 Item("GV-UUR", "Onderhoud openbaar groen (uur)", "HUR", D("52.50")),
                 Item("GV-MAAI", "Maaien bermen (uur)", "HUR", D("61.00")),
                 Item("GV-BOOM", "Snoeien bomen (uur)", "HUR", D("74.25")),
             )),
    Supplier("ict", "ICT Diensten West B.V.", "34567812", "85332190", "Stationsplein 30", "Leiden", "2312 AJ",
             "INGB", "0004928173", goods=True, items=(
                 Item("LAP-14", "Laptop 14 inch, 16 GB", "C62", D("1049.00")),
                 Item("MON-27", "Monitor 27 inch", "C62", D("239.00")),
                 Item("DOCK-USB", "USB-C dockingstation", "C62", D("189.95")),
                 Item("HDST", "Headset met microfoon", "C62", D("64.90")),
             )),
    Supplier("ict-hours", "ICT Diensten West Support B.V.", "34567820", "85332247", "Stationsplein 30", "Leiden",
             "2312 AJ", "INGB", "0004928181", goods=False, weekly=True, items=(
                 Item("SUP-UUR", "Werkplekondersteuning (uur)", "HUR", D("87.50")),
                 Item("PRJ-UUR", "Projectleiding migratie (uur)", "HUR", D("112.00")),
             )),
    Supplier("cleaning", "Schoonmaakbedrijf Zuid B.V.", "17234598", "80761248", "Poetsstraat 3", "Eindhoven",
             "5611 AA", "RABO", "0138765432", goods=False, weekly=True, items=(
                 Item("SCH-KANT", "Schoonmaak stadskantoor (uur)", "HUR", D("34.80")),
                 Item("SCH-GLAS", "Glasbewassing (uur)", "HUR", D("41.20")),
             )),
    Supplier("catering", "Koffie & Catering Oost B.V.", "08123456", "82045871", "Marktstraat 18", "Enschede",
             "7511 GE", "ABNA", "0592837461", goods=True, items=(
                 Item("KOF-BON", "Koffiebonen, zak 1 kg", "KGM", D("18.60"), D(9)),
                 Item("THEE-100", "Thee assortiment, doos 100", "XBX", D("11.90"), D(9)),
                 Item("LUNCH", "Lunch raadsvergadering (persoon)", "C62", D("12.75"), D(9)),
                 Item("WATER", "Waterkoeler huur (maand)", "MON", D("39.00")),
             )),
    Supplier("traffic", "Verkeerstechniek Holland B.V.", "24689135", "80437612", "Wegenbouwlaan 55", "Utrecht",
             "3542 AD", "INGB", "0007351926", goods=True, items=(
                 Item("BORD-C1", "Verkeersbord C1 rond 60 cm", "C62", D("142.00")),
                 Item("PAAL-3M", "Verzinkte paal 3 m", "C62", D("38.50")),
                 Item("MARK-WIT", "Wegmarkering wit (meter)", "MTR", D("6.45")),
             )),
)

# Sends invoices but is not (yet) in the master data: its invoices wait as SUPPLIER_UNKNOWN.
NEWCOMER = Supplier("newcomer", "Evenementenbureau Feestelijk B.V.", "61234987", "86120476", "Kermisweg 2",
                    "Tilburg", "5038 AB", "BUNQ", "2061543987", goods=False, items=(
                        Item("PODIUM", "Huur podium Koningsdag", "DAY", D("1450.00")),
                        Item("GELUID", "Geluidsinstallatie met technicus", "DAY", D("890.00")),
                    ))

DEPARTMENTS = ("FIN-01", "PUB-WERKEN", "ICT-04", "FAC-02", "COMM-03", "SOC-05")

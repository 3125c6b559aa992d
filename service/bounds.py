"""Bounds of what a request may carry, in one place so every endpoint applies the same limits.

The limits come from the domain, not from the storage engine: EN 16931 amounts have at most 19
digits (the standard's "Amount" type) with at most 2 decimals on document amounts and up to 6 on
unit prices and quantities, so 19 digits with 6 decimals holds every value an invoice can carry, and
it fits the NUMERIC(28, 8) the tables keep, on PostgreSQL and SQLite alike. Enforced at the edge
(Pydantic, before a handler runs) so a value that could not be stored or read back is a 422 naming
the field, never a 500 from the database.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

MAX_DIGITS = 19
MAX_DECIMALS = 6
# 13 integer digits: a trillion euro minus a cent is more than any public-sector budget line
LARGEST_AMOUNT = Decimal(10) ** (MAX_DIGITS - MAX_DECIMALS) - Decimal("0.000001")

Amount = Annotated[Decimal, Field(ge=-LARGEST_AMOUNT, le=LARGEST_AMOUNT, max_digits=MAX_DIGITS,
                                  decimal_places=MAX_DECIMALS, allow_inf_nan=False)]
NonNegativeAmount = Annotated[Decimal, Field(ge=0, le=LARGEST_AMOUNT, max_digits=MAX_DIGITS,
                                             decimal_places=MAX_DECIMALS, allow_inf_nan=False)]
# tolerances and price variances: 0..1000 % (a policy may allow a price to double, never more
# than tenfold)
Percent = Annotated[Decimal, Field(ge=0, le=1000, max_digits=10, decimal_places=MAX_DECIMALS,
                                   allow_inf_nan=False)]

# integers that are compared with or stored in INTEGER columns (PostgreSQL int4)
LARGEST_INT = 2**31 - 1
Version = Annotated[int, Field(ge=1, le=LARGEST_INT)]

# strings
CURSOR_LENGTH = 500  # an opaque cursor this service hands out is about 60 characters
REFERENCE_LENGTH = 200  # BT-10, BT-12, BT-13, invoice and order numbers (the columns' length)
NAME_LENGTH = 200
TEXT_LENGTH = 2000
Cursor = Annotated[str, Field(max_length=CURSOR_LENGTH)]
Reference = Annotated[str, Field(max_length=REFERENCE_LENGTH)]

# an invoice carries at most this many embedded attachments (BG-24) that can be addressed
LARGEST_ATTACHMENT_INDEX = 10_000

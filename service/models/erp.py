"""Tables of the erp area (owned by that area)."""

from __future__ import annotations

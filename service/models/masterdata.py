"""Tables of the masterdata area (owned by that area)."""

from __future__ import annotations

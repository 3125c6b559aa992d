"""Tables of the matching area (owned by that area)."""

from __future__ import annotations

"""Tables of the workspace area (owned by that area)."""

from __future__ import annotations

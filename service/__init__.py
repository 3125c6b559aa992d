"""E-invoice service: UBL intake, validation, matching and approval for public-sector buyers."""

__version__ = "0.1.0"

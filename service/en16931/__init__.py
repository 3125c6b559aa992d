"""EN 16931 semantic model, UBL parser and Peppol Invoice Response (pure: no web framework, no DB)."""

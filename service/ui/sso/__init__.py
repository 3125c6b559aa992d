"""Staff sign-in through the organisation's identity provider (OpenID Connect).

- ``provider``: the protocol against one issuer (discovery, PKCE authorization URL, code exchange,
  ID token verification, end-session URL); authlib and joserfc do the protocol pieces.
- ``flow``: what the browser carries between leaving for the provider and coming back (state,
  nonce, PKCE verifier), in a signed short-lived cookie.
- ``claims``: pure mapping of verified claims to an identity (username, role); refusals.
- ``routes``: /ui/oidc/start and /ui/oidc/callback; a refused sign-in is a page, never a traceback.
"""

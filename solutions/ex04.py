"""Solutions for notebook 04 (Bearer tokens, scopes and errors)."""

STATUS_CODES = {
    "a": 401,  # no credentials: 401 with WWW-Authenticate: Bearer and no error code (RFC 6750 §3.1)
    "b": 401,  # expired: error="invalid_token"
    "c": 403,  # known caller, missing scope: error="insufficient_scope", scope="orders:write"
    "d": 400,  # tokens in the URL leak into logs and Referer headers; this API refuses them (RFC 6750 §2.3, §5.3)
    "e": 200,
    "f": 401,  # a signature from another key: error="invalid_token"
}
"""Exercise 4.1."""

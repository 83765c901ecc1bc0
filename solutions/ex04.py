"""Solutions for notebook 04 (Bearer tokens, scopes and errors)."""

STATUS_CODES = {
    "a": 401,  # no credentials: 401 with WWW-Authenticate: Bearer and no error code (RFC 6750 §3.1)
    "b": 401,  # expired: error="invalid_token"
    "c": 403,  # known caller, missing scope: error="insufficient_scope", scope="orders:write"
    "d": 400,  # tokens in URLs leak into logs and Referer headers: this API chooses to refuse them with
    # invalid_request (RFC 6750 §2.3 lets a server support the method or not; RFC 9700 §4.3.2 forbids clients to use it)
    "e": 200,
    "f": 401,  # a signature from another key: error="invalid_token"
}
"""Exercise 4.1."""

"""Solutions for notebook 13 (Signing requests with HMAC)."""

import hashlib
import hmac
from urllib.parse import quote


def canonical_query(pairs):
    """Exercise 13.1: AWS SigV4's canonical query string. Each name and value is percent-encoded from its UTF-8
    bytes, keeping only RFC 3986's unreserved characters (quote with safe="" also keeps "~"), then the pairs are
    sorted by encoded name and then encoded value, and joined with "&"; an empty value keeps its "="."""
    encoded = sorted((quote(name, safe=""), quote(value, safe="")) for name, value in pairs)
    return "&".join(f"{name}={value}" for name, value in encoded)


def verify_webhook(body, header, secret, now):
    """Exercise 13.2: a Stripe-style webhook signature, "t=<unix time>,v1=<hex HMAC-SHA256 of 't.' + body>".
    Parse the fields by name (any order; anything unreadable is simply invalid), refuse a timestamp more than
    300 s away from now in either direction, and compare the MACs in constant time."""
    fields = {}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields[key] = value
    timestamp, given = fields.get("t", ""), fields.get("v1", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or not given:
        return False
    if abs(now - int(timestamp)) > 300:
        return False
    expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.encode())

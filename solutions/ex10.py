"""Solutions for notebook 10 (Revocation and introspection)."""


def purge(denylist, now):
    """Exercise 10.1: a revoked JWT needs its denylist entry only while it could still pass the signature and
    exp checks, that is while now < exp (RFC 7519 §4.1.4); after that, exp alone refuses it."""
    return {jti: exp for jti, exp in denylist.items() if now < exp}


ROTATION_ORDER = ["C", "D", "B", "E", "A"]
"""Exercise 10.2: publish the new key (C); wait out the JWKS caches (D) so every verifier knows it; switch
signing to it (B); wait until the old key's last token has expired, and the caches once more (E); only then
retire the old key (A). OpenID Connect Core §10.1.1 describes the same dance."""

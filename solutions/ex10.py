"""Solutions for notebook 10 (Revocation and introspection)."""


def purge(denylist, now, leeway):
    """Exercise 10.1: a revoked JWT needs its denylist entry for as long as any verifier could still accept it.

    RFC 7519 §4.1.4: a token is refused on or after its exp, and a verifier MAY allow "some small leeway" for
    clock skew; one that does still accepts the token while now < exp + leeway. So the entry is kept exactly
    that long, and from exp + leeway on the exp check alone refuses the token everywhere.
    """
    return {jti: exp for jti, exp in denylist.items() if now < exp + leeway}


ROTATION_ORDER = ["C", "D", "B", "E", "A"]
"""Exercise 10.2: publish the new key (C); wait out the JWKS caches (D) so every verifier knows it; switch
signing to it (B); wait until the old key's last token has expired, plus the largest leeway a verifier allows
(E); only then retire the old key (A). OIDC Core §10.1.1 describes a shorter approach: add the new key to the
JWK Set, sign with it "at its discretion", count on verifiers refetching on an unfamiliar kid, and keep recently
decommissioned keys published for a while. Waiting out the caches (D) is what keeps a verifier that may not
refetch yet from refusing the new tokens."""

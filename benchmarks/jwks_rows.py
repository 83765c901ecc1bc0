"""Verifying against an issuer's cached JWKS (``tokenlab.jwks_cache.RemoteKeySet``) vs a bare ``jwt.decode``.

* ``verify via cached JWKS`` — ``RemoteKeySet.verify`` on an RS256 access token from a running ``MockProvider``
  (system clock), its JWKS fetched once over HTTP on 127.0.0.1 and then served from the cache, against
  ``jwt.decode`` with the same, already parsed public key and the same checks (signature, ``exp`` required,
  ``aud``, ``iss``). What is measured is the cache lookup (a clock read and a freshness check), the ``kid``
  lookup in the cached key set, and tokenlab's verify. Target ≤ 1.3×. The note says how many HTTP fetches the
  whole row made: one, or the cache is not doing its job.
"""

from __future__ import annotations

import jwt
import requests

from benchmarks.measure import Settings, compare
from benchmarks.report import Row, verdict
from tokenlab import client
from tokenlab.clock import Clock
from tokenlab.jwks_cache import RemoteKeySet
from tokenlab.provider import MockProvider

TARGET_RATIO = 1.3
MACHINE = {"client_id": "reporting-service", "client_secret": "reporting-secret-3c9e7a1f5d2b8046"}


def cached_jwks_row(settings: Settings) -> Row:
    with MockProvider(clock=Clock.system()) as op, requests.Session() as session:
        meta = client.discover(op.issuer, session=session)
        token = client.fetch_token(meta, **MACHINE, session=session)["access_token"]
        audience = op.config.audience
        keys = RemoteKeySet(meta["jwks_uri"], session=session, clock=op.clock)
        public_key = keys.key_set().get(jwt.get_unverified_header(token)["kid"]).verifying  # parsed once, shared

        def tokenlab_side():
            return keys.verify(token, algorithms=["RS256"], audience=audience, issuer=op.issuer)

        def pyjwt_side():
            return jwt.decode(
                token,
                public_key,
                algorithms=["RS256"],
                audience=audience,
                issuer=op.issuer,
                options={"require": ["exp"]},
            )

        if tokenlab_side() != pyjwt_side():  # both must accept the token and agree on it
            raise AssertionError("verify via cached JWKS: tokenlab and PyJWT return different claims")
        result = compare(tokenlab_side, pyjwt_side, settings)
        fetches = keys.fetches
    return Row(
        "verify via cached JWKS",
        result.a,
        result.b,
        result.ratio,
        f"≤ {TARGET_RATIO}×",
        verdict(result.ratio <= TARGET_RATIO),
        f"RemoteKeySet.verify (RS256) vs jwt.decode, same parsed key; {fetches} JWKS fetch{'es' * (fetches != 1)} in all; "
        + result.spread(),
    )


def rows(settings: Settings) -> list[Row]:
    return [cached_jwks_row(settings)]

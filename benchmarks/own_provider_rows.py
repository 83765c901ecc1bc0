"""Lesson 05's flow on your own provider (``tokenlab.own_provider.run_lesson``), here the course's provider on the
system clock, against the same requests made directly with ``tokenlab.client``.

* ``own provider: lesson 05 flow`` — discovery, a client-credentials token, a JWKS fetch and verification, and a
  request with a wrong secret, each side on new ``requests.Session``s as a learner's cell run makes them. What the
  report machinery (steps, messages, error handling) adds to the HTTP it makes. Target ≤ 1.3×.
"""

from __future__ import annotations

import contextlib

import requests

from benchmarks.measure import Settings, compare
from benchmarks.report import Row, verdict
from tokenlab import client
from tokenlab.clock import Clock
from tokenlab.errors import InvalidClientError
from tokenlab.jwks_cache import RemoteKeySet
from tokenlab.own_provider import OwnProvider, run_lesson
from tokenlab.provider import MockProvider

MACHINE = {"client_id": "reporting-service", "client_secret": "reporting-secret-3c9e7a1f5d2b8046"}


def lesson_05_row(settings: Settings) -> Row:
    with MockProvider(clock=Clock.system()) as op:
        mine = OwnProvider(issuer=op.issuer, **MACHINE, scope="reports:read", audience="demo-api")

        def tokenlab_side():
            report = run_lesson(5, mine)
            assert report.ok
            return report

        def baseline():
            with requests.Session() as http:
                meta = client.discover(op.issuer, session=http)
                token = client.fetch_token(meta, **MACHINE, scope="reports:read", session=http)
                keys = RemoteKeySet(meta["jwks_uri"], session=http)
                keys.verify(token["access_token"], algorithms=["RS256"], audience="demo-api", issuer=op.issuer)
                with contextlib.suppress(InvalidClientError):
                    client.fetch_token(meta, client_id=MACHINE["client_id"], client_secret="wrong", session=http)

        result = compare(tokenlab_side, baseline, settings)
    return Row(
        "own provider: lesson 05 flow",
        result.a,
        result.b,
        result.ratio,
        "≤ 1.3×",
        verdict(result.ratio <= 1.3),
        "run_lesson(5) vs the same five requests with tokenlab.client; " + result.spread(),
    )


def rows(settings: Settings) -> list[Row]:
    return [lesson_05_row(settings)]

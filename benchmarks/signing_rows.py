"""HMAC request signing: signing plus verifying one request, against one HMAC-SHA256 plus the parsing it needs.

* ``sign + verify a request`` — tokenlab side: :func:`tokenlab.signing.sign_request` (content digest, canonical
  query, signature base, HMAC, the two fields, a fresh random nonce) then
  :meth:`~tokenlab.signing.SignedRequestVerifier.verify` (parse both fields, check coverage, key and time, rebuild
  the base, HMAC, ``compare_digest``, check the body's digest, record the nonce), for a ``POST`` with a JSON body
  and a two-parameter query, on the system clock, so every round's nonces are new and the nonce cache works as
  in production.

  Baseline, as the issue defines it: **one HMAC-SHA256 over the same canonical bytes plus parsing**, that is
  ``hmac.new(secret, signature_base, sha256).digest()``, plus parsing the request's ``Signature-Input`` and
  ``Signature`` fields with tokenlab's general RFC 8941 parser
  (:func:`tokenlab.structured_fields.parse_dictionary`), plus ``urllib.parse.urlsplit`` and ``parse_qsl`` of the
  URL: the least a verifier must do. Target ≤ 3×. (tokenlab's verifier reads a ``Signature-Input`` that is
  already in canonical form without the general parser; that shortcut is part of what is measured.)
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, urlsplit

from benchmarks.measure import Settings, compare
from benchmarks.report import Row, verdict
from tokenlab.clock import Clock
from tokenlab.signing import SignedRequestVerifier, canonical_request, sign_request
from tokenlab.structured_fields import parse_dictionary

KEY_ID = "shop-backend"
SECRET = b"Ucj-kXTcipREbAiCn6aTMjxx9b0HNuQFWteFBYJkks8"  # the provider's public demo secret
URL = "http://127.0.0.1:8413/signed/orders?status=open&limit=2"
HEADERS = {"Content-Type": "application/json", "Host": "127.0.0.1:8413"}
BODY = b'{"item": "Tea set", "quantity": 2}'


def sign_verify_row(settings: Settings) -> Row:
    clock = Clock.system()
    verifier = SignedRequestVerifier({KEY_ID: SECRET}, clock=clock)

    def tokenlab_side():
        added = sign_request("POST", URL, HEADERS, BODY, key_id=KEY_ID, secret=SECRET, clock=clock)
        return verifier.verify("POST", URL, {**HEADERS, **added}, BODY)

    sample = {**HEADERS, **sign_request("POST", URL, HEADERS, BODY, key_id=KEY_ID, secret=SECRET, clock=clock)}
    base = canonical_request("POST", URL, sample)
    signature_input, signature = sample["Signature-Input"], sample["Signature"]

    def baseline():
        mac = hmac.new(SECRET, base, hashlib.sha256).digest()
        parse_dictionary(signature_input)
        parse_dictionary(signature)
        parse_qsl(urlsplit(URL).query)
        return mac

    # both sides must do the same work on the same bytes: the baseline's MAC is the one sent, and it verifies
    if (
        parse_dictionary(signature)["sig1"].value != baseline()
        or verifier.verify("POST", URL, sample, BODY).base != base
    ):
        raise AssertionError("sign + verify: the baseline does not compute the MAC tokenlab sends")
    result = compare(tokenlab_side, baseline, settings)
    return Row(
        "sign + verify a request",
        result.a,
        result.b,
        result.ratio,
        "≤ 3×",
        verdict(result.ratio <= 3),
        "POST, JSON body, 2-param query; baseline: one HMAC-SHA256 over the same signature base + parsing "
        "Signature-Input, Signature and the URL; " + result.spread(),
    )


def rows(settings: Settings) -> list[Row]:
    return [sign_verify_row(settings)]

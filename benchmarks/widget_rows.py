"""The decoder widget: one keystroke (set the token, read the HTML), against decode_unverified alone.

A keystroke changes the token, so each call alternates between two typical RS256 access tokens (one
claim differs): the decoder decodes, verifies with the public key, and rebuilds its HTML children;
the baseline only decodes. Both run in-process, without a browser (no comm is open, so no message
is sent). The target is absolute, ≤ 5 ms, because a learner types and waits; the ratio is context.
"""

from __future__ import annotations

import itertools

from benchmarks.jwt_rows import access_token_claims
from benchmarks.measure import Settings, compare
from benchmarks.report import Row, verdict
from tokenlab.keys import demo_key
from tokenlab.tokens import decode_unverified, sign
from tokenlab.widgets import TokenDecoder

TARGET_SECONDS = 0.005


def rows(settings: Settings) -> list[Row]:
    key = demo_key("RS256")
    claims = access_token_claims()
    tokens = [sign(claims, key), sign({**claims, "scope": "read:orders"}, key)]
    decoder = TokenDecoder(key=key.public())
    widget_turn, baseline_turn = itertools.cycle(tokens), itertools.cycle(tokens)

    def keystroke() -> str:
        decoder.value = next(widget_turn)
        return decoder.children[3].value + decoder.children[4].value  # the verdict and the claims, as shown

    def decode_only() -> object:
        return decode_unverified(next(baseline_turn))

    keystroke()
    assert decoder.check.verified, decoder.verdict  # measure the typical path: decoded, verified
    result = compare(keystroke, decode_only, settings)
    return [
        Row(
            "decoder update, RS256 token",
            result.a,
            result.b,
            result.ratio,
            "≤ 5 ms",
            verdict(result.a <= TARGET_SECONDS),
            f"keystroke → HTML in-process, verify included; baseline: decode_unverified alone; {result.spread()}",
            unit="ms",
        )
    ]

"""provider/code_exchange.py through the token endpoint: the interleavings of C1 that the concurrent test only
hits by chance, played in order by redeem_code itself (SECURITY.md C1; RFC 6749 §4.1.2)."""

import requests

from tokenlab.provider import code_exchange

from .test_authorize import authorization_code
from .test_code_grant import assert_revoked, redeem, refused_code


def test_c1_a_code_that_comes_back_while_its_first_redemption_mints_gets_those_tokens_revoked(op, http, monkeypatch):
    code = authorization_code(op, http)
    second = []
    mint = code_exchange.token_response

    def mint_while_the_copy_arrives(*args, **kwargs):
        # The first redemption has taken the code and is minting; the copy arrives now, on another connection.
        with requests.Session() as other:
            second.append(redeem(op, other, code))
        return mint(*args, **kwargs)

    monkeypatch.setattr(code_exchange, "token_response", mint_while_the_copy_arrives)
    first = redeem(op, http, code)
    assert first.status_code == 200, first.text  # the first redemption still answers with its tokens ...
    refused_code(second[0])  # ... the copy is refused ...
    assert_revoked(op, http, first.json())  # ... and the tokens the first one minted are revoked

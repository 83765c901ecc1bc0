"""FlowInspector, without a browser: a real provider on 127.0.0.1, its recorded exchanges, the HTML they become."""

from __future__ import annotations

import html
import re

import pytest

from tokenlab import client
from tokenlab.errors import OAuthError, UsageError
from tokenlab.provider import MockProvider
from tokenlab.provider.recorder import MASK, Exchange
from tokenlab.widgets import FlowInspector
from tokenlab.widgets.inspector import find_tokens, shorten_tokens
from tokenlab.widgets.render import escape

REPORTING = {"client_id": "reporting-service", "client_secret": "reporting-secret-3c9e7a1f5d2b8046"}


@pytest.fixture(scope="module")
def op():
    with MockProvider(seed=7) as provider:
        meta = client.discover(provider.issuer)
        tokens = client.fetch_token(meta, **REPORTING)
        client.call_api(provider.url("/api/reports"), tokens["access_token"])
        with pytest.raises(OAuthError):
            client.fetch_token(meta, client_id="reporting-service", client_secret="wrong")
        yield provider


def exchange(**fields) -> Exchange:
    base = dict(
        number=1,
        time=1767603600,
        method="GET",
        path="/",
        query="",
        request_headers=(),
        request_body="",
        status=200,
        reason="OK",
        response_headers=(),
        response_body="",
    )
    return Exchange(**{**base, **fields})


def test_every_exchange_is_one_line_saying_what_the_recorder_classified_it_as(op):
    inspector = FlowInspector(op)
    lines = [label for label, _ in inspector._list.options]
    assert lines == [f"{e.summary()} — {e.kind.line()}" for e in op.exchanges]
    assert lines[:4] == [  # the fixture's four; another test may have added some after them
        "#1 GET /.well-known/openid-configuration → 200 OK — discovery",
        "#2 POST /token → 200 OK — token request (client_credentials)",
        "#3 GET /api/reports → 200 OK — API call with a bearer token",
        "#4 POST /token → 401 Unauthorized — token request (client_credentials) — refused: invalid_client",
    ]
    assert inspector.selected == len(op.exchanges)  # the latest exchange is shown first


def test_the_selected_exchange_says_who_sent_it_to_whom_and_which_section_defines_it(op):
    inspector = FlowInspector(op)
    inspector.selected = 3
    detail = inspector.children[2].value
    assert escape(op.exchanges[2].kind.sentence()) in detail
    assert (
        "The app calls the API with an access token in the Authorization header. "
        "Sent by the client app to the API (RFC 6750 §2.1)."
    ) in html.unescape(detail)


def test_the_saved_copy_lists_each_exchange_with_its_label_and_section(op):
    saved = FlowInspector(op).static_html()
    rows = re.findall(r"<tr>(.*?)</tr>", saved)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    assert [[html.unescape(c) for c in row] for row in cells] == [
        [e.summary(), e.kind.line(), e.kind.section] for e in op.exchanges
    ]
    assert cells[1][2] == "RFC 6749 §4.4.2"


def test_the_selected_exchange_is_raw_http_with_tokens_shortened_and_secrets_masked(op):
    inspector = FlowInspector(op)
    inspector.selected = 2
    detail = inspector.children[2].value
    access = inspector.tokens[0][1]
    assert "POST /token HTTP/1.1" in detail and "HTTP/1.1 200 OK" in detail
    assert access not in detail
    assert f"{access[:12]}…{access[-6:]}" in detail
    assert f"Authorization: Basic {MASK}" in detail
    assert REPORTING["client_secret"] not in detail


def test_a_token_of_the_exchange_opens_in_a_decoder_that_verifies_with_the_providers_keys(op):
    inspector = FlowInspector(op)
    inspector.selected = 2
    assert [where for where, _ in inspector.tokens] == ["response access_token"]
    inspector.open_token("access_token")
    decoder = inspector.decoder
    assert decoder.value == inspector.tokens[0][1]
    assert decoder.verdict.startswith("✔ Verified with key")
    assert "from the provider's key set" in decoder.verdict


def test_the_open_button_opens_the_token_chosen_in_the_dropdown(op):
    inspector = FlowInspector(op)
    inspector.selected = 3
    assert inspector.tokens[0][0] == "request Authorization: Bearer"
    inspector._open.click()  # what the learner's click does
    assert inspector.decoder.decoded is not None
    assert inspector.decoder.decoded.claims["client_id"] == "reporting-service"


def test_an_exchange_without_tokens_disables_the_token_controls(op):
    inspector = FlowInspector(op)
    inspector.selected = 1
    assert inspector.tokens == []
    assert inspector._tokens.disabled and inspector._open.disabled


def test_refresh_picks_up_new_exchanges_and_keeps_the_selection(op):
    inspector = FlowInspector(op)
    inspector.selected = 2
    before = len(inspector.exchanges)
    client.discover(op.issuer)
    assert len(inspector.exchanges) == before  # nothing happens behind the learner's back
    inspector._refresh_button.click()
    assert len(inspector.exchanges) == before + 1
    assert inspector.selected == 2


def test_selecting_an_exchange_that_does_not_exist_is_a_usage_error(op):
    inspector = FlowInspector(op)
    with pytest.raises(UsageError, match="no exchange #99"):
        inspector.selected = 99


def test_no_exchanges_is_a_message_not_an_error():
    inspector = FlowInspector(exchanges=[])
    assert inspector.selected is None
    assert "No exchange recorded yet" in inspector.children[2].value
    assert repr(inspector) == "FlowInspector(0 exchanges)"


def test_the_repr_is_deterministic(op):
    inspector = FlowInspector(exchanges=op.exchanges[:3])
    assert repr(inspector) == "FlowInspector(3 exchanges, #3 selected)"
    bundle = inspector._repr_mimebundle_()
    assert bundle["text/plain"] == repr(inspector)
    assert "#2 POST /token → 200 OK" in bundle["text/html"]


def test_tokens_are_found_in_form_fields_headers_and_bodies_once_each():
    jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0."
    found = find_tokens(
        exchange(
            method="POST",
            path="/revoke",
            request_headers=(("Content-Type", "application/x-www-form-urlencoded"),),
            request_body=f"token={jwt}&token_type_hint=access_token",
            response_body=f'{{"note": "{jwt}"}}',
        )
    )
    assert found == [("request token", jwt)]


def test_shortening_keeps_short_words_and_cuts_long_tokens():
    text = "code=iJodAMeZRCU0eq6pz9cjliKVYngmLCz37LR9wsE6Hrw&state=abc"
    assert shorten_tokens(text) == "code=iJodAMeZRCU0…sE6Hrw&state=abc"


def test_the_saved_copy_says_it_is_not_live_and_that_the_cell_must_be_run(op):
    inspector = FlowInspector(op)
    inspector.open_token(0) if inspector.tokens else None
    saved = inspector._repr_mimebundle_()["text/html"]
    assert saved.count("Saved output, not the live") == 1  # the decoder inside does not say it again
    assert "Run this cell (Shift+Enter) to use the inspector." in saved


def test_no_part_of_the_inspector_is_100_percent_wide_plus_margins(op):
    from tests.test_widgets_decoder import wider_than_their_output

    assert wider_than_their_output(FlowInspector(op)) == []

"""TokenDecoder, without a browser: set the token and the key, read the HTML children's values."""

from __future__ import annotations

import json

import pytest

from tokenlab import Clock, demo_key, sign
from tokenlab.provider import MockProvider
from tokenlab.tokens import MAX_TOKEN_CHARS, b64url_encode
from tokenlab.widgets import TimeTravel, TokenDecoder
from tokenlab.widgets import analysis as analysis_module
from tokenlab.widgets.render import COLOURS

KEY = demo_key("RS256")


@pytest.fixture
def clock() -> Clock:
    return Clock.frozen()


@pytest.fixture
def token(clock: Clock) -> str:
    now = clock.timestamp()
    claims = {"iss": "https://login.example.com", "sub": "alice", "aud": "api", "iat": now, "exp": now + 300}
    return sign(claims, KEY)


def html(decoder: TokenDecoder, part: str) -> str:
    """The HTML value of one of the decoder's output children, found by its CSS class."""
    for child in decoder.children:
        if f"tokenlab-{part}" in child._dom_classes:
            return child.value
    raise AssertionError(f"no child with class tokenlab-{part}")


def html_values(widget) -> list[str]:
    """Every HTML child's value, depth first (the output a learner reads)."""
    import ipywidgets

    found = []
    for child in getattr(widget, "children", ()):
        if isinstance(child, ipywidgets.HTML):
            found.append(child.value)
        found += html_values(child)
    return found


def tamper_output(decoder: TokenDecoder) -> str:
    (box,) = [c for c in decoder.children if "tokenlab-tamper" in c._dom_classes]
    (out,) = [c for c in box.children if "tokenlab-tamper-output" in c._dom_classes]
    return out.value


def handmade(header: dict, claims: dict, signature: bytes = b"sig") -> str:
    def part(value: dict) -> str:
        return b64url_encode(json.dumps(value).encode())

    return f"{part(header)}.{part(claims)}.{b64url_encode(signature)}"


# --- layout and what the browser test relies on -------------------------------------------------


def test_the_decoder_and_its_children_carry_the_css_classes_the_browser_test_uses(token, clock):
    decoder = TokenDecoder(token, clock=clock)
    assert "tokenlab-decoder" in decoder._dom_classes
    classes = {name for child in decoder.children for name in child._dom_classes}
    assert {
        "tokenlab-decoder-input",
        "tokenlab-decoder-key",
        "tokenlab-segments",
        "tokenlab-verdict",
        "tokenlab-claims",
        "tokenlab-warnings",
        "tokenlab-tamper-toggle",
        "tokenlab-tamper",
    } <= classes


def test_typing_in_the_input_box_updates_the_html_at_once(token, clock):
    decoder = TokenDecoder(clock=clock)
    box = decoder.children[0]  # the Textarea a learner types into, as the browser's sync sets it
    box.value = token[:20]
    assert "Not decoded" in html(decoder, "verdict")
    box.value = token
    assert decoder.value == token
    assert "Decoded — not verified" in html(decoder, "verdict")
    assert 'data-name="sub"' in html(decoder, "claims")


# --- decoding ---------------------------------------------------------------------------------------


def test_the_three_segments_are_shown_in_jwt_io_colours(token, clock):
    segments = html(TokenDecoder(token, clock=clock), "segments")
    header, payload, signature = token.split(".")
    for name, text in (("header", header), ("payload", payload), ("signature", signature)):
        assert f'<span class="tl-{name}" style="color:{COLOURS[name]}" title="{name}">{text}</span>' in segments
    assert "word-break:break-all" in segments


def test_the_claims_table_has_one_row_per_header_parameter_and_claim_with_its_meaning(token, clock):
    claims = html(TokenDecoder(token, clock=clock), "claims")
    for name in ("alg", "typ", "kid", "iss", "sub", "aud", "iat", "exp"):
        assert f'data-name="{name}"' in claims
    assert claims.count('class="tl-row tl-header-row"') == 3
    assert claims.count('class="tl-row tl-payload-row"') == 5
    assert "Expiration time: reject the token from this moment on" in claims
    assert "2026-01-05 09:05:00 UTC (expires in 5 min)" in claims


def test_warnings_are_listed_with_their_codes(clock):
    decoder = TokenDecoder(handmade({"alg": "none"}, {"sub": "mallory"}, b""), clock=clock)
    warnings = html(decoder, "warnings")
    for code in ("alg_none", "no_exp", "no_aud"):
        assert f'data-code="{code}"' in warnings


def test_relative_times_follow_time_travel_on_the_same_clock(token, clock):
    decoder = TokenDecoder(token, clock=clock, key=KEY.public())
    travel = TimeTravel(clock)
    travel.advance(minutes=10)
    assert "2026-01-05 09:05:00 UTC (expired 5 min ago)" in html(decoder, "claims")
    assert 'data-code="expired"' in html(decoder, "warnings")
    assert "TokenExpiredError" in decoder.verdict
    travel.reset()
    assert "(expires in 5 min)" in html(decoder, "claims")
    assert decoder.check.verified


# --- the verdict: one, never two that contradict each other ------------------------------------------


def test_without_a_key_the_one_verdict_says_decoded_not_verified_and_how_to_verify(token, clock):
    decoder = TokenDecoder(token, clock=clock)
    assert decoder.verdict.startswith("Decoded — not verified: anyone can write a header and claims")
    assert (
        "No key given: to verify, paste a secret, a PEM public key, a JWK or a JWKS in the key box" in decoder.verdict
    )
    assert html(decoder, "verdict").count(">Decoded — not verified") == 1


def test_with_a_valid_key_the_verdict_is_verified_alone_and_never_also_not_verified(token, clock):
    verdict = html(TokenDecoder(token, clock=clock, key=KEY.public()), "verdict")
    assert "✔ Verified with key" in verdict
    assert "not verified" not in verdict.lower()


def test_a_valid_signature_names_the_key_and_says_what_was_not_checked(token, clock):
    decoder = TokenDecoder(token, clock=clock, key=KEY.public())
    verified = decoder.verdict
    assert verified.startswith(
        f"✔ Verified with key {KEY.kid} (RS256): signature valid; exp, iat checked at 2026-01-05 09:00:00 UTC"
    )
    assert "aud not checked (no audience given)" in verified
    assert "iss not checked (no issuer given)" in verified
    assert 'data-status="valid"' in html(decoder, "verdict")


def test_audience_and_issuer_are_checked_when_given(token, clock):
    decoder = TokenDecoder(token, clock=clock, key=KEY.public(), audience="api", issuer="https://login.example.com")
    assert "aud checked ('api')" in decoder.verdict
    decoder.audience = "another-api"
    assert decoder.verdict.startswith("✘ Signature valid with key")
    assert "AudienceMismatchError" in decoder.verdict


def test_a_forged_signature_is_reported_invalid(clock):
    forged = handmade({"alg": "RS256", "kid": KEY.kid}, {"sub": "mallory", "exp": clock.timestamp() + 60})
    decoder = TokenDecoder(forged, clock=clock, key=KEY.public())
    assert decoder.verdict.startswith(f"✘ Signature INVALID with key {KEY.kid} (RS256): InvalidSignatureError")


def test_alg_none_is_refused_before_any_signature_check(clock):
    decoder = TokenDecoder(handmade({"alg": "none"}, {"sub": "mallory"}, b""), clock=clock, key=KEY.public())
    assert decoder.verdict.startswith("✘ Not verified — refused before the signature was checked")
    assert "AlgorithmNotAllowedError" in decoder.verdict


def test_a_weak_secret_in_the_key_box_is_refused_and_the_token_warns_about_it(clock):
    import hashlib
    import hmac

    header, claims = b64url_encode(b'{"alg":"HS256"}'), b64url_encode(b'{"sub":"alice"}')
    mac = hmac.new(b"secret", f"{header}.{claims}".encode(), hashlib.sha256).digest()
    decoder = TokenDecoder(f"{header}.{claims}.{b64url_encode(mac)}", clock=clock)
    decoder.key = "secret"
    assert "WeakKeyError" in decoder.verdict
    assert 'data-code="weak_secret"' in html(decoder, "warnings")


def test_an_rsa_public_key_never_verifies_an_hs256_token(clock):
    secret_like = KEY.public_pem().encode()
    header, claims = b64url_encode(b'{"alg":"HS256"}'), b64url_encode(b'{"sub":"mallory"}')
    decoder = TokenDecoder(f"{header}.{claims}.{b64url_encode(b'x' * 32)}", clock=clock)
    decoder.key = secret_like.decode()
    assert "AlgorithmNotAllowedError" in decoder.verdict
    assert "only accepts RS256" in decoder.verdict


@pytest.mark.parametrize("kind", ["pem", "jwk", "jwks"])
def test_the_key_box_takes_a_pem_a_jwk_or_a_jwks(token, clock, kind):
    text = {
        "pem": KEY.public_pem(),
        "jwk": json.dumps(KEY.public_jwk()),
        "jwks": json.dumps({"keys": [demo_key("ES256").public_jwk(), KEY.public_jwk()]}),
    }[kind]
    decoder = TokenDecoder(token, clock=clock)
    decoder.key = text
    assert decoder.key == text
    assert decoder.verdict.startswith(f"✔ Verified with key {KEY.kid} (RS256) from the key box")


def test_with_two_keys_of_one_algorithm_the_verdict_names_the_one_that_verified_each_token(clock):
    following = demo_key("RS256", generation=2)
    box = json.dumps({"keys": [KEY.public_jwk(), following.public_jwk()]})
    claims = {"sub": "alice", "exp": clock.timestamp() + 300}
    for signer in (KEY, following):
        decoder = TokenDecoder(sign(claims, signer), clock=clock)
        decoder.key = box
        assert decoder.verdict.startswith(f"✔ Verified with key {signer.kid} (RS256) from the key box")
    forged = handmade({"alg": "RS256", "kid": following.kid}, claims)
    decoder = TokenDecoder(forged, clock=clock)
    decoder.key = box
    assert decoder.verdict.startswith(f"✘ Signature INVALID with key {following.kid} (RS256) from the key box:")
    expired = sign({"sub": "alice", "exp": clock.timestamp() - 60}, following)
    keys = analysis_module.key_from_text(box)
    check = analysis_module.check_signature(analysis_module.analyse(expired).decoded, keys, clock=clock)
    assert (check.status, check.key_label) == ("rejected_claims", f"{following.kid} (RS256)")


def test_a_key_box_that_is_not_a_key_says_why(token, clock):
    decoder = TokenDecoder(token, clock=clock)
    decoder.key = '{"keys": 5}'
    assert decoder.verdict.startswith("✘ Not verified — the key cannot be used: InvalidKeyError")


def test_a_provider_verifies_its_own_tokens_and_names_an_unknown_kid():
    with MockProvider(seed=1) as op:
        access = op.mint("web-app", "alice", scope="orders:read")["access_token"]
        decoder = TokenDecoder(access, provider=op, audience="demo-api")
        assert decoder.clock is op.clock
        assert decoder.verdict.startswith(
            f"✔ Verified with key {op.app.signing_key.kid} (RS256) from the provider's key set"
        )
        stranger = sign({"sub": "mallory", "exp": op.clock.timestamp() + 60}, demo_key("RS256", generation=2))
        decoder.value = stranger
        assert "UnknownKeyError" in decoder.verdict
        assert decoder.verdict.startswith("✘ Not verified — refused before the signature was checked")


# --- tamper mode ---------------------------------------------------------------------------------


def test_tamper_mode_re_encodes_the_payload_keeps_the_signature_and_the_signature_fails(token, clock):
    decoder = TokenDecoder(token, clock=clock, key=KEY.public(), tamper=True)
    assert decoder.tampered_token == token  # nothing edited yet: the same bytes, still valid
    assert json.loads(decoder.tampered_claims)["sub"] == "alice"
    decoder.tampered_claims = {**json.loads(decoder.tampered_claims), "sub": "mallory"}
    header, payload, signature = decoder.tampered_token.split(".")
    assert (header, signature) == (token.split(".")[0], token.split(".")[2])
    assert payload != token.split(".")[1]
    out = tamper_output(decoder)
    assert "Changed sub" in out
    assert "background:#fff2a8" in out  # the changed payload is highlighted
    assert "Signature INVALID" in out and "InvalidSignatureError" in out
    assert decoder.check.verified  # the original token is untouched


def test_tamper_mode_explains_an_edit_that_is_not_json(token, clock):
    decoder = TokenDecoder(token, clock=clock, tamper=True)
    decoder.tampered_claims = '{"sub": "mallory",'
    assert decoder.tampered_token is None
    assert "not JSON" in tamper_output(decoder)


def test_the_tamper_panel_is_hidden_until_tamper_mode_is_on(token, clock):
    decoder = TokenDecoder(token, clock=clock)
    assert decoder.children[-1].layout.display == "none"
    decoder.tamper = True
    assert decoder.children[-1].layout.display is None


# --- escaping and bad input --------------------------------------------------------------------


def test_html_in_a_token_is_shown_as_text(clock):
    evil = handmade({"alg": "none", "<em>": "x"}, {"sub": "<script>alert(1)</script>", "<img src=x>": 1}, b"")
    decoder = TokenDecoder(evil, clock=clock)
    everything = "".join(html_values(decoder))
    assert "<script>" not in everything and "<img" not in everything and "<em>" not in everything
    assert "&lt;em&gt;" in html(decoder, "claims")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html(decoder, "claims")
    assert "<script>" not in decoder.static_html()


BAD_INPUTS = {
    "None": None,
    "empty": "",
    "two parts": "a.b",
    "too long": "e" * (MAX_TOKEN_CHARS + 1),
    "a megabyte": "x" * 1_000_000,
    "binary-ish text": "\x00\xff\x01\ufffd",
    "JWE (five parts)": "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d",
    "an int": 12,
    "non-ascii bytes": b"\xff\xfe",
    "non-JSON header": "bm90IGpzb24.e30.c2ln",
    "non-UTF-8 payload": f"e30.{b64url_encode(bytes([0xC3, 0x28]))}.c2ln",
    "duplicate claims": "e30." + b64url_encode(b'{"sub":"a","sub":"b"}') + ".c2ln",
    "plain base64": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0=.a+/b",
}


@pytest.mark.parametrize("raw", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_gives_a_message_never_an_exception(raw, clock):
    decoder = TokenDecoder(clock=clock, key=KEY.public())
    decoder.value = raw
    assert decoder.verdict.startswith(("Not decoded", "Partly decoded", "Nothing to decode yet"))
    assert decoder.check.status == "no_token"  # nothing complete to verify, whatever the key
    assert decoder.analysis.problems  # what is wrong, in words (for "" that the input is empty)
    assert len(html(decoder, "segments")) < 5_000  # a huge input is cut before display
    assert "Traceback" not in "".join(html_values(decoder))


def test_a_long_token_shows_its_first_2000_characters_and_an_ellipsis_for_the_rest(clock):
    long = sign({"sub": "alice", "note": "x" * 3_000, "exp": clock.timestamp() + 300}, KEY)
    header, payload, signature = long.split(".")
    segments = html(TokenDecoder(long, clock=clock), "segments")
    assert header in segments
    assert payload[: 2_000 - len(header)] + "…</span>" in segments
    assert payload not in segments and signature not in segments
    assert ">…</span>" in segments  # the signature, past the budget, is only an ellipsis


def test_a_broken_signature_still_shows_the_header_and_claims(token, clock):
    decoder = TokenDecoder(token + "=", clock=clock)
    assert decoder.verdict.startswith("Partly decoded")
    assert 'data-name="sub"' in html(decoder, "claims")
    assert "JWTs leave out the '=' padding" in html(decoder, "warnings")


def test_a_cut_off_token_shows_what_could_be_read_and_what_is_missing(token, clock):
    decoder = TokenDecoder(".".join(token.split(".")[:2]), clock=clock)
    assert 'data-name="exp"' in html(decoder, "claims")
    assert "was the end cut off?" in html(decoder, "warnings")


def test_a_broken_header_still_shows_the_claims(token, clock):
    decoder = TokenDecoder("bm90IGpzb24." + token.split(".", 1)[1], clock=clock)
    claims = html(decoder, "claims")
    assert 'data-name="sub"' in claims and 'data-name="alg"' not in claims
    assert "The header is not JSON" in html(decoder, "warnings")


def test_a_bearer_prefix_is_removed_and_mentioned(token, clock):
    decoder = TokenDecoder(f"Bearer {token}", clock=clock)
    assert decoder.decoded is not None
    assert 'data-code="bearer_prefix"' in html(decoder, "warnings")
    broken = TokenDecoder(f"  bearer {token}=", clock=clock)
    assert broken.verdict.startswith("Partly decoded") and broken.analysis.parts[0] == token.split(".")[0]
    assert 'data-code="bearer_prefix"' in html(broken, "warnings")


def test_an_unexpected_failure_becomes_a_plain_message(token, clock, monkeypatch):
    decoder = TokenDecoder(clock=clock)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("tokenlab.widgets.decoder.analyse", broken)
    decoder.value = token
    assert "The decoder failed: RuntimeError: boom" in html(decoder, "verdict")


def test_analyse_never_raises_even_when_decoding_itself_breaks(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(analysis_module, "decode_unverified", broken)
    assert analysis_module.analyse("a.b.c").problems == ("RuntimeError: boom",)


# --- repr ----------------------------------------------------------------------------------------


def test_the_repr_is_deterministic_and_says_what_the_decoder_shows(token, clock):
    decoder = TokenDecoder(token, clock=clock, key=KEY.public())
    expected = f"TokenDecoder(RS256 JWT, 5 claims: decoded; verified with {KEY.kid} (RS256))"
    assert repr(decoder) == expected
    bundle = decoder._repr_mimebundle_()
    assert bundle["text/plain"] == expected
    assert bundle["text/html"].startswith('<div class="tokenlab-static">')
    assert repr(TokenDecoder(clock=clock)) == "TokenDecoder(empty; not verified)"


# --- a token with characters cut off, or only its first characters ------------------------------------


def test_an_es256_token_with_30_characters_cut_off_is_never_decoded_with_no_warnings(clock):
    cut = sign({"sub": "alice", "aud": "api", "exp": clock.timestamp() + 300}, demo_key("ES256"))[:-30]
    decoder = TokenDecoder(cut, clock=clock)
    warnings = html(decoder, "warnings")
    assert 'data-code="signature_size"' in warnings
    assert "The signature is 42 bytes, but an ES256 signature is R and S side by side" in warnings
    assert "No warnings" not in warnings


def test_with_the_key_a_cut_off_token_is_invalid_because_of_its_size(clock):
    key = demo_key("ES256")
    cut = sign({"sub": "alice", "aud": "api", "exp": clock.timestamp() + 300}, key)[:-30]
    decoder = TokenDecoder(cut, clock=clock, key=key.public())
    assert decoder.verdict.startswith(f"✘ Signature INVALID with key {key.kid} (ES256): InvalidSignatureError")
    assert "The signature is 42 bytes" in decoder.verdict


def test_the_first_60_characters_of_a_token_are_the_start_of_a_jwt_and_what_they_say_is_shown(token, clock):
    decoder = TokenDecoder(token[:60], clock=clock)
    warnings = html(decoder, "warnings")
    assert "This is not a JWT but the start of one, cut off: it begins with eyJ" in warnings
    assert """It decodes to '{"alg":"RS256","typ":"JWT","kid":"rs256""" in warnings
    assert "opaque" not in warnings
    assert decoder.verdict.startswith("Not decoded — This is not a JWT but the start of one, cut off")


def test_a_whole_header_alone_is_named_as_such(token, clock):
    decoder = TokenDecoder(token.split(".")[0], clock=clock)
    assert "a whole JSON header; the payload and the signature are missing" in html(decoder, "warnings")


# --- after a reload: the saved copy says it is one -------------------------------------------------------


def test_the_saved_copy_says_it_is_not_live_and_that_the_cell_must_be_run_before_any_box_is_mentioned(token, clock):
    saved = TokenDecoder(token, clock=clock)._repr_mimebundle_()["text/html"]
    assert "Saved output, not the live decoder" in saved
    assert "its boxes to paste a token and a key are not here. Run this cell (Shift+Enter) to use the decoder." in saved
    assert saved.index("Run this cell") < saved.index("in the key box")


# --- layout: never wider than the notebook's output area ------------------------------------------------


def wider_than_their_output(widget) -> list[str]:
    """The widget and its descendants sized 100% wide while keeping ipywidgets' 2px side margins: in JupyterLab
    they stick out 4px past the output area, which then shows a horizontal scrollbar."""
    found = []
    layout = getattr(widget, "layout", None)
    if layout is not None and "100%" in (layout.width, layout.max_width):
        margin = (layout.margin or "").split()
        if len(margin) < 2 or margin[1] not in ("0", "0px"):
            found.append(f"{type(widget).__name__} {sorted(widget._dom_classes)}")
    for child in getattr(widget, "children", ()):
        found += wider_than_their_output(child)
    return found


def test_no_part_of_the_decoder_is_100_percent_wide_plus_margins(token, clock):
    assert wider_than_their_output(TokenDecoder(token, clock=clock, tamper=True)) == []


def test_long_tokens_and_claims_wrap_inside_the_decoder_instead_of_widening_it(clock):
    long = sign({"sub": "a" * 400, "aud": "https://" + "x" * 300}, KEY)
    decoder = TokenDecoder(long, clock=clock)
    assert "word-break:break-all" in html(decoder, "segments")
    assert '<td style="word-break:break-all"><code>"aaaa' in html(decoder, "claims")

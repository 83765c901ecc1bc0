"""The attack lab's regression suite: every attack that ``tokenlab.attacks`` crafts gets through the naive
verifier (or the naive authorization server), and tokenlab's verifier and provider refuse it with the error
SECURITY.md names. Tests are named after its cases (A1-A10, B2, C2, C5, D1), so that notebook 14 cannot
silently stop being true.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tokenlab import attacks, client
from tokenlab.attacks import (
    ALG_NONE_VARIANTS,
    WEAK_SECRET,
    LabSafetyError,
    NaiveAuthorizationServer,
    NaiveVerificationError,
    naive_verify,
)
from tokenlab.clock import Clock
from tokenlab.errors import (
    AlgorithmNotAllowedError,
    AudienceMismatchError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    KeyAlgorithmMismatchError,
    OAuthError,
    TokenExpiredError,
    UnknownKeyError,
    UnsupportedCriticalHeaderError,
    WeakKeyError,
    WrongTokenTypeError,
)
from tokenlab.keys import KeySet, demo_key, generate_key
from tokenlab.provider import MockProvider
from tokenlab.tokens import b64url_encode, decode_unverified, sign, verify

PUBLIC_PEM = demo_key("RS256").public_pem()
WANTED = {"sub": "user-alice", "scope": "orders:read orders:write"}
APP = {"client_id": "notebook-app", "redirect_uri": "http://127.0.0.1/callback"}
WEB = {"client_id": "web-app", "redirect_uri": "http://127.0.0.1/web/callback"}
WEB_SECRET = "web-app-secret-8f2d4c1e9b7a6350"
SRC = Path(__file__).resolve().parent.parent / "src" / "tokenlab"


@pytest.fixture(autouse=True)
def fresh_naive_verifier():
    """Each test starts with a naive verifier that has seen no signature yet."""
    attacks.forget_checked_signatures()
    yield
    attacks.forget_checked_signatures()


@pytest.fixture
def op():
    """A running provider on a free port of 127.0.0.1, with a frozen clock; no internal error allowed.

    It signs with the demo key, as lesson 14's seeded provider does: the naive verifier's key files hold the demo
    keys (an unseeded provider signs with a fresh key of its own)."""
    with MockProvider(clock=Clock.frozen(), signing_key=demo_key("RS256")) as provider:
        yield provider
        assert provider.app.errors == [], f"internal errors: {provider.app.errors!r}"


@pytest.fixture
def meta(op):
    return client.discover(op.issuer)


@pytest.fixture
def bob(op):
    """The attacker's own genuine access token, and the claims he would rather have."""
    token = op.mint("web-app", "bob", scope="orders:read")["access_token"]
    return token, {**decode_unverified(token).claims, **WANTED}


@pytest.fixture
def key_server():
    with attacks.attacker_key_server() as server:
        yield server


# --- what "fools the naive verifier" and "refused by tokenlab" mean ------------------------------------------------


def naive_accepts(token, key=PUBLIC_PEM, **expected):
    """The naive verifier returns the token's claims, forged values included."""
    claims = naive_verify(token, key)
    for name, value in {**WANTED, **expected}.items():
        assert claims[name] == value, (name, claims)
    return claims


def tokenlab_refuses(op, token, error, *, keys=None, algorithms=("RS256",)):
    """tokenlab.verify, configured as the demo API's, raises exactly ``error``, with its lesson."""
    with pytest.raises(InvalidTokenError) as caught:
        verify(
            token,
            op.app.key_set() if keys is None else keys,
            algorithms=list(algorithms),
            audience="demo-api",
            issuer=op.issuer,
            typ="at+jwt",
            clock=op.clock,
        )
    assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value}"
    assert error.lesson in str(caught.value)
    return caught.value


def api_refuses(op, token, error):
    """The provider's demo API answers 401 invalid_token, for the reason tokenlab.verify gives."""
    detail = tokenlab_refuses(op, token, error).detail
    answer = client.call_api(op.url("/api/orders"), token)
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert answer.json()["error_description"] == "The access token is not valid: " + detail[:1].lower() + detail[1:]


# --- A1: alg none ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ALG_NONE_VARIANTS)
def test_a1_alg_none_variants_fool_the_naive_verifier_and_not_tokenlab(alg, op, bob):
    _, forged = bob
    token = attacks.alg_none(forged, alg=alg)
    assert token.endswith(".") and decode_unverified(token).header["alg"] == alg
    naive_accepts(token)
    err = tokenlab_refuses(op, token, AlgorithmNotAllowedError)
    assert err.claim == "alg" and repr(alg) in str(err)
    tokenlab_refuses(op, token, AlgorithmNotAllowedError, algorithms=("RS256", "HS256"))
    api_refuses(op, token, AlgorithmNotAllowedError)


# --- A2: algorithm confusion ------------------------------------------------------------------------------------------


def test_a2_the_attacker_rebuilds_the_servers_pem_byte_for_byte_from_the_public_jwks(op):
    jwks = requests.get(op.url("/jwks.json"), timeout=5).json()
    assert attacks.pem_from_jwk(jwks["keys"][0]) == PUBLIC_PEM


@pytest.mark.parametrize("form", ["pem", "jwk"])
def test_a2_algorithm_confusion_fools_the_naive_verifier_and_not_tokenlab(form, op, bob):
    _, forged = bob
    public_jwk = op.app.jwks()["keys"][0]
    if form == "pem":  # with the trusted kid: the naive verifier reads the same PEM from its key file
        secret = attacks.pem_from_jwk(public_jwk)
        token = attacks.algorithm_confusion(forged, secret, header={"typ": "at+jwt", "kid": public_jwk["kid"]})
        api_key, verifier_keys = secret, [op.app.key_set(), secret]
    else:  # an API that keeps its key as the JWK text it fetched; no kid
        secret = json.dumps(public_jwk)
        token = attacks.algorithm_confusion(forged, secret)
        api_key, verifier_keys = secret, [public_jwk, secret]
    assert decode_unverified(token).header["alg"] == "HS256"
    naive_accepts(token, api_key)
    tokenlab_refuses(op, token, AlgorithmNotAllowedError)
    for keys in verifier_keys:  # even an allowlist with HS256 in it: each key is pinned to RS256
        err = tokenlab_refuses(op, token, KeyAlgorithmMismatchError, keys=keys, algorithms=("RS256", "HS256"))
        assert "pinned to RS256" in str(err)
    api_refuses(op, token, AlgorithmNotAllowedError)


# --- A3: stripped signature, tampered payload ------------------------------------------------------------------------


def test_a3_a_stripped_signature_fools_the_naive_verifier_and_not_tokenlab(op, bob):
    genuine, _ = bob
    token = attacks.strip_signature(attacks.tamper_payload(genuine, WANTED))
    assert token.endswith(".") and decode_unverified(token).header["alg"] == "RS256"
    naive_accepts(token)
    assert "empty" in str(tokenlab_refuses(op, token, InvalidSignatureError))
    api_refuses(op, token, InvalidSignatureError)


def test_a3_a_tampered_payload_fools_the_naive_verifier_once_it_has_seen_the_signature_and_not_tokenlab(op, bob):
    genuine, _ = bob
    token = attacks.tamper_payload(genuine, WANTED)
    assert token.split(".")[::2] == genuine.split(".")[::2]  # the header and the signature are kept
    with pytest.raises(NaiveVerificationError):  # the naive verifier does check a signature it has not seen...
        naive_verify(token, PUBLIC_PEM)
    naive_accepts(genuine, sub="user-bob", scope="orders:read")  # ...and remembers this one
    naive_accepts(token)
    tokenlab_refuses(op, token, InvalidSignatureError)
    api_refuses(op, token, InvalidSignatureError)


def test_a3_tampering_can_delete_a_claim(bob):
    genuine, _ = bob
    assert "exp" not in decode_unverified(attacks.tamper_payload(genuine, {"exp": None})).claims


# --- A4: weak HMAC secrets --------------------------------------------------------------------------------------------


def test_a4_the_dictionary_attack_cracks_the_weak_secret_and_its_forgery_fools_only_the_naive_verifier(op, bob):
    genuine, forged = bob
    legacy = attacks.hmac_forge(decode_unverified(genuine).claims, WEAK_SECRET)
    result = attacks.crack_hmac_secret(legacy)
    assert result.found and result.secret == WEAK_SECRET
    assert result.guesses == attacks.word_list().index(WEAK_SECRET) + 1 == 1858
    assert result.seconds < 2 and result.rate > 0
    token = attacks.hmac_forge(forged, result.secret)
    naive_accepts(token, WEAK_SECRET)
    err = tokenlab_refuses(op, token, WeakKeyError, keys=WEAK_SECRET, algorithms=("HS256",))
    assert "only 12 bytes" in str(err)
    tokenlab_refuses(op, token, AlgorithmNotAllowedError)
    with pytest.raises(InvalidKeyError, match="at least 32 random bytes"):
        sign(forged, WEAK_SECRET)
    api_refuses(op, token, AlgorithmNotAllowedError)


@pytest.mark.parametrize("key", [demo_key("HS256"), generate_key("HS256")], ids=["demo-key", "fresh-key"])
def test_a4_the_dictionary_finds_nothing_in_a_secret_of_32_random_bytes(key):
    result = attacks.crack_hmac_secret(sign({"sub": "bob"}, key))
    assert not result.found and not result.stopped_early
    assert result.guesses == len(attacks.word_list())


def test_a4_the_dictionary_attack_is_bounded_in_size_and_time():
    words = attacks.word_list()
    assert 1000 < len(words) <= attacks.MAX_GUESSES <= 5000
    assert len(set(words)) == len(words) and words[0] == "secret" and "your-256-bit-secret" in words
    assert 11 < attacks.crack_hmac_secret(attacks.hmac_forge({}, "x" * 40)).bits < 12
    many = [f"guess-{n}" for n in range(20_000)]
    capped = attacks.crack_hmac_secret(attacks.hmac_forge({}, "not in the list"), many, max_guesses=10**9)
    assert capped.guesses == capped.candidates == attacks.MAX_GUESSES
    hurried = attacks.crack_hmac_secret(attacks.hmac_forge({}, "not in the list"), many, time_limit=1e-9)
    assert hurried.stopped_early and hurried.guesses == 256


def test_a4_the_dictionary_attack_needs_an_hmac_token_and_a_time_limit():
    with pytest.raises(ValueError, match="HMAC-signed"):
        attacks.crack_hmac_secret(sign({"sub": "bob"}, demo_key("RS256")))
    with pytest.raises(ValueError, match="bounded"):
        attacks.crack_hmac_secret(attacks.hmac_forge({}, "x"), time_limit=3600)


def test_a4_the_provider_signs_nothing_with_a_shared_secret(op, bob):
    genuine, _ = bob
    assert decode_unverified(genuine).header["alg"] == "RS256"
    published = op.app.jwks()["keys"]
    assert published and all(key["kty"] != "oct" for key in published)


# --- A5: jwk and jku ----------------------------------------------------------------------------------------------------


def test_a5_jwk_header_injection_fools_the_naive_verifier_and_not_tokenlab(op, bob):
    _, forged = bob
    token = attacks.jwk_injection(forged)
    assert decode_unverified(token).header["jwk"] == attacks.attacker_key().public_jwk()
    naive_accepts(token)
    assert "'attacker-key'" in str(tokenlab_refuses(op, token, UnknownKeyError))
    api_refuses(op, token, UnknownKeyError)
    looks_genuine = attacks.jwk_injection(forged, kid=demo_key("RS256").kid)  # the trusted kid: still not its key
    naive_accepts(looks_genuine)
    tokenlab_refuses(op, looks_genuine, InvalidSignatureError)
    api_refuses(op, looks_genuine, InvalidSignatureError)


def test_a5_a_symmetric_jwk_in_the_header_fools_the_naive_verifier_and_not_tokenlab(op, bob):
    _, forged = bob
    secret = b"anything the attacker likes, at least thirty-two bytes"
    jwk = {"kty": "oct", "k": b64url_encode(secret)}
    token = attacks.hmac_forge(forged, secret, header={"typ": "at+jwt", "jwk": jwk})
    naive_accepts(token)
    tokenlab_refuses(op, token, AlgorithmNotAllowedError)
    api_refuses(op, token, AlgorithmNotAllowedError)


def test_a5_jku_header_injection_fools_the_naive_verifier_and_tokenlab_never_fetches(op, bob, key_server):
    _, forged = bob
    token = attacks.jku_injection(forged, key_server.jwks_url)
    naive_accepts(token)
    assert key_server.requests == ["GET /jwks.json"]
    tokenlab_refuses(op, token, UnknownKeyError)  # warm up: a first call may import and open modules
    with attacks.record_access() as access:
        err = tokenlab_refuses(op, token, UnknownKeyError)
    assert access.connections == [] and access.files == []
    assert err.claim == "kid"
    api_refuses(op, token, UnknownKeyError)
    looks_genuine = attacks.jku_injection(forged, key_server.jwks_url, kid=demo_key("RS256").kid)
    naive_accepts(looks_genuine)  # the attacker's server has no such kid: the naive verifier takes its first key
    tokenlab_refuses(op, looks_genuine, InvalidSignatureError)
    api_refuses(op, looks_genuine, InvalidSignatureError)
    assert key_server.requests == ["GET /jwks.json"] * 2  # both from the naive verifier, none from tokenlab


@pytest.mark.parametrize(
    "url",
    [
        "https://keys.example.net/jwks.json",
        "http://127.0.0.1.example.net/jwks.json",
        "http://127.0.0.1@example.net/jwks.json",
        "http://localhost:9/jwks.json",
        "http://[::1]:9/jwks.json",
        "https://127.0.0.1:9/jwks.json",
        "file:///etc/passwd",
        "jwks.json",
    ],
)
def test_a5_the_naive_verifier_fetches_from_nothing_but_127_0_0_1(url, bob):
    _, forged = bob
    token = attacks.jku_injection(forged, url)
    with (
        attacks.record_access() as access,
        pytest.raises(LabSafetyError, match=r"only fetches from http://127\.0\.0\.1"),
    ):
        naive_verify(token, PUBLIC_PEM)
    assert access.connections == []


def test_a5_the_naive_verifier_does_not_follow_a_redirect_away_from_loopback(bob):
    _, forged = bob
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "https://keys.example.net/jwks.json")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Redirect) as server:
        thread = Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
        thread.start()
        try:
            token = attacks.jku_injection(forged, f"http://127.0.0.1:{server.server_address[1]}/jwks.json")
            with attacks.record_access() as access, pytest.raises(NaiveVerificationError, match="answered 302"):
                naive_verify(token, PUBLIC_PEM)
        finally:
            server.shutdown()
            thread.join()
    assert {address[0] for address in access.connections} == {"127.0.0.1"}


# --- A6: kid ---------------------------------------------------------------------------------------------------------------


def test_a6_kid_path_traversal_fools_the_naive_verifier_and_not_tokenlab(op, bob):
    _, forged = bob
    token = attacks.kid_path_traversal(forged)
    assert decode_unverified(token).header["kid"] == "../" * 8 + "dev/null"
    naive_accepts(token)  # warm up: the first call may import and open modules
    attacks.forget_checked_signatures()
    with attacks.record_access() as naive_access:
        naive_accepts(token)
    assert naive_access.files == ["/dev/null"]
    tokenlab_refuses(op, token, UnknownKeyError, algorithms=("RS256", "HS256"))  # warm up, as above
    with attacks.record_access() as tokenlab_access:
        err = tokenlab_refuses(op, token, UnknownKeyError, algorithms=("RS256", "HS256"))
    assert tokenlab_access.files == [] and err.claim == "kid"
    tokenlab_refuses(op, token, AlgorithmNotAllowedError)
    api_refuses(op, token, AlgorithmNotAllowedError)


def test_a6_an_absolute_kid_fools_the_naive_verifier_because_a_path_join_drops_the_directory(op, bob):
    _, forged = bob
    token = attacks.hmac_forge(forged, b"", header={"typ": "at+jwt", "kid": "/dev/null"})
    naive_accepts(token)
    tokenlab_refuses(op, token, UnknownKeyError, algorithms=("RS256", "HS256"))
    api_refuses(op, token, AlgorithmNotAllowedError)


def test_a6_a_kid_pointing_at_an_uploaded_file_fools_the_naive_verifier_and_not_tokenlab(op, bob):
    _, forged = bob
    secret = b"a picture whose bytes the attacker chose"
    token = attacks.kid_file_injection(forged, secret, name="avatar.png")
    assert decode_unverified(token).header["kid"] == "../uploads/avatar.png"
    assert (attacks.lab_directory() / "uploads" / "avatar.png").read_bytes() == secret
    naive_accepts(token)
    tokenlab_refuses(op, token, UnknownKeyError, algorithms=("RS256", "HS256"))
    api_refuses(op, token, AlgorithmNotAllowedError)


@pytest.mark.parametrize("name", ["../keys/x", "a/b", "..", "", "c:\\x"])
def test_a6_the_lab_only_uploads_plain_file_names_into_its_own_directory(name):
    with pytest.raises(LabSafetyError):
        attacks.upload(name, b"x")


def test_a6_the_lab_directory_is_a_temporary_one_with_the_providers_public_keys():
    root = attacks.lab_directory()
    assert root.name.startswith("tokenlab-attack-lab-") and root == attacks.lab_directory()
    assert (attacks.lab_key_directory() / demo_key("RS256").kid).read_text() == PUBLIC_PEM


# --- A7-A10: genuine tokens replayed where they do not belong -------------------------------------------------------


def test_a7_an_expired_token_replayed_fools_the_naive_verifier_and_not_tokenlab_or_the_demo_api(op):
    leaked = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    assert client.call_api(op.url("/api/orders"), leaked).status_code == 200
    op.clock.advance(minutes=15)
    naive_accepts(leaked, scope="orders:read")
    err = tokenlab_refuses(op, leaked, TokenExpiredError)
    assert err.claim == "exp" and "5 min before now" in str(err)
    api_refuses(op, leaked, TokenExpiredError)


def test_a8_a_token_for_another_audience_fools_the_naive_verifier_and_not_tokenlab_or_the_demo_api(op):
    token = attacks.token_for_another_audience(op, audience="billing-api")
    claims = decode_unverified(token).claims
    assert (claims["iss"], claims["aud"]) == (op.issuer, "billing-api")
    naive_accepts(token, scope="orders:read", aud="billing-api")
    assert tokenlab_refuses(op, token, AudienceMismatchError).claim == "aud"
    api_refuses(op, token, AudienceMismatchError)
    assert not op.store.tokens.access_record(claims["jti"])  # the twin provider minted it: op has no record of it


def test_a9_an_id_token_replayed_as_an_access_token_fools_the_naive_verifier_and_not_tokenlab(op):
    id_token = op.mint("web-app", "alice", scope="openid orders:read")["id_token"]
    claims = naive_verify(id_token, PUBLIC_PEM)
    assert (claims["sub"], claims["aud"]) == ("user-alice", "web-app")
    assert tokenlab_refuses(op, id_token, WrongTokenTypeError).claim == "typ"
    api_refuses(op, id_token, WrongTokenTypeError)


def test_a10_an_unknown_critical_extension_is_ignored_by_the_naive_verifier_and_refused_by_tokenlab(op):
    claims = {**decode_unverified(op.mint("web-app", "alice", scope="orders:read")["access_token"]).claims}
    token = sign(claims, op.app.signing_key, typ="at+jwt", headers={"crit": ["exp-grace"], "exp-grace": 86400})
    assert naive_verify(token, PUBLIC_PEM)["sub"] == "user-alice"
    assert tokenlab_refuses(op, token, UnsupportedCriticalHeaderError).claim == "crit"
    api_refuses(op, token, UnsupportedCriticalHeaderError)


# --- B, C: authorization codes ----------------------------------------------------------------------------------------


def test_b2_a_public_client_gets_no_code_without_pkce_while_the_naive_server_hands_one_out(op, meta):
    assert NaiveAuthorizationServer().authorize("notebook-app", "alice").startswith("naive-code-")
    url = client.authorization_url(meta, **APP, scope="orders:read", state="s-b2", pkce=None)
    redirect = client.login_as(url, "alice", "wonderland")
    assert redirect.code is None and redirect.error == "invalid_request" and redirect.state == "s-b2"
    assert "PKCE" in redirect.params["error_description"]


def test_c2_an_intercepted_code_without_the_verifier_is_refused_and_used_up_while_the_naive_server_redeems_it(op, meta):
    naive = NaiveAuthorizationServer()
    code = naive.authorize("notebook-app", "alice")
    assert naive.redeem(code, "notebook-app")["user"] == "alice"  # the interceptor, first
    with pytest.raises(OAuthError, match="already used"):
        naive.redeem(code, "notebook-app")  # the real app, too late

    pkce = client.PKCE.make("c2-verifier-that-only-the-real-app-knows-0123")
    url = client.authorization_url(meta, **APP, scope="orders:read", state="s-c2", pkce=pkce)
    code = client.login_as(url, "alice", "wonderland").code
    with pytest.raises(OAuthError) as interceptor:
        attacks.redeem_intercepted_code(meta, code, **APP)
    assert interceptor.value.error == "invalid_grant" and "code_verifier is missing" in interceptor.value.description
    with pytest.raises(OAuthError) as real_app:
        client.exchange_code(meta, code, **APP, pkce=pkce)
    assert real_app.value.error == "invalid_grant"


def test_c2_with_pkce_only_the_holder_of_the_verifier_gets_tokens(op, meta):
    pkce = client.PKCE.make("c2-verifier-that-only-the-real-app-knows-0123")
    url = client.authorization_url(meta, **APP, scope="orders:read", state="s-c2", pkce=pkce)
    code = client.login_as(url, "alice", "wonderland").code
    tokens = client.exchange_code(meta, code, **APP, pkce=pkce)
    assert client.call_api(op.url("/api/orders"), tokens["access_token"]).status_code == 200


def test_c5_an_interceptor_without_the_confidential_clients_secret_gets_invalid_client(op, meta):
    naive = NaiveAuthorizationServer()
    assert naive.redeem(naive.authorize("web-app", "alice"), "web-app")["user"] == "alice"
    url = client.authorization_url(meta, **WEB, scope="orders:read", state="s-c5", pkce=None)
    code = client.login_as(url, "alice", "wonderland").code
    with pytest.raises(OAuthError) as interceptor:
        attacks.redeem_intercepted_code(meta, code, **WEB)
    assert interceptor.value.error == "invalid_client" and interceptor.value.status_code == 401


# --- D: refresh tokens ------------------------------------------------------------------------------------------------


def test_d1_a_stolen_refresh_token_replayed_after_rotation_revokes_the_family_while_the_naive_server_honours_it(
    op, meta
):
    naive = NaiveAuthorizationServer()
    login = naive.redeem(naive.authorize("notebook-app", "alice"), "notebook-app")
    copy = login["refresh_token"]
    assert naive.refresh(login["refresh_token"], "notebook-app")["user"] == "alice"  # the app
    assert naive.refresh(copy, "notebook-app")["user"] == "alice"  # the thief, just as well

    app = op.mint("notebook-app", "alice", scope="orders:read")
    copy = app["refresh_token"]
    op.clock.advance(minutes=10)
    app = client.refresh(meta, app["refresh_token"], client_id="notebook-app")
    op.clock.advance(minutes=2)
    with pytest.raises(OAuthError) as thief:
        attacks.replay_refresh_token(meta, copy, client_id="notebook-app")
    assert thief.value.error == "invalid_grant" and "whole grant is now revoked" in thief.value.description
    assert client.call_api(op.url("/api/orders"), app["access_token"]).status_code == 401
    with pytest.raises(OAuthError) as real_app:
        client.refresh(meta, app["refresh_token"], client_id="notebook-app")
    assert real_app.value.error == "invalid_grant"
    assert "replay_detected" in [event.kind for event in op.events]


# --- the whole catalogue -----------------------------------------------------------------------------------------------


def test_every_attack_of_the_catalogue_gets_through_the_naive_verifier():
    report = attacks.run_attacks(naive_verify)
    assert report.genuine_accepted and report.genuine_problem is None
    assert [outcome.verdict for outcome in report.outcomes] == ["ACCEPTED"] * len(report.outcomes) == ["ACCEPTED"] * 15
    assert all(outcome.claims["sub"] == "user-alice" for outcome in report.outcomes)


def test_every_attack_of_the_catalogue_fails_against_tokenlab_with_its_own_error():
    report = attacks.run_attacks(attacks.tokenlab_verifier(issuer=attacks.LAB_ISSUER))
    assert report.genuine_accepted and report.succeeded == ()
    for outcome in report.outcomes:
        assert type(outcome.error) is outcome.attack.tokenlab_error, (outcome.attack.name, outcome.error)


def test_every_attack_of_the_catalogue_is_refused_by_the_provider_which_fetches_nothing(op, meta):
    """The demo API says why (as tokenlab.verify does), UserInfo refuses, introspection says inactive."""
    with attacks.attacker_key_server() as server:
        genuine, catalogue = attacks.verifier_attacks(issuer=op.issuer, now=op.clock.timestamp(), jku=server.jwks_url)
        assert verify(genuine, op.app.key_set(), algorithms=["RS256"], audience="demo-api", clock=op.clock)
        assert len(catalogue) == 15
        for attack in catalogue:
            api_refuses(op, attack.token, attack.tokenlab_error)
            userinfo = requests.get(op.url("/userinfo"), headers={"Authorization": f"Bearer {attack.token}"}, timeout=5)
            assert userinfo.status_code == 401, attack.name
            assert client.introspect(meta, attack.token, client_id=WEB["client_id"], client_secret=WEB_SECRET) == {
                "active": False
            }, attack.name
        assert server.requests == []


def test_the_catalogue_covers_every_family_and_names_its_security_case():
    with attacks.attacker_key_server() as server:
        _, catalogue = attacks.verifier_attacks(now=Clock.frozen().timestamp(), jku=server.jwks_url)
    assert {attack.family for attack in catalogue} == set(attacks.FAMILIES)
    assert {attack.case for attack in catalogue} == {f"A{n}" for n in range(1, 9)}
    assert len({attack.name for attack in catalogue}) == len(catalogue)
    for family in attacks.FAMILIES.values():
        assert family.source.startswith("RFC ") and "§" in family.source


def test_the_naive_verifier_is_naive_not_broken(bob):
    genuine, forged = bob
    assert naive_verify(genuine, PUBLIC_PEM)["sub"] == "user-bob"
    stranger = generate_key("RS256")
    with pytest.raises(NaiveVerificationError, match="does not match"):
        naive_verify(attacks.key_forge(forged, stranger, header={"typ": "at+jwt"}), PUBLIC_PEM)
    with pytest.raises(NaiveVerificationError, match="does not match"):
        naive_verify(attacks.hmac_forge(forged, "the right secret"), "another secret")


def test_the_naive_verifier_says_it_is_deliberately_wrong():
    assert naive_verify.__doc__.startswith("DELIBERATELY WRONG — never use this")
    assert NaiveAuthorizationServer.__doc__.startswith("DELIBERATELY WRONG — never build a server like this")
    assert attacks.__doc__.startswith("The attack lab of notebook 14: a DELIBERATELY WRONG verifier")


def test_nothing_in_the_lab_connects_to_any_address_but_127_0_0_1(op, meta):
    with attacks.record_access() as access:
        attacks.run_attacks(naive_verify)
        attacks.run_attacks(attacks.tokenlab_verifier())
        attacks.crack_hmac_secret(attacks.hmac_forge({}, WEAK_SECRET))
        attacks.token_for_another_audience(op)
        client.call_api(op.url("/api/orders"), None)
    assert access.connections, "the recorder saw no connection at all"
    assert {address[0] for address in access.connections} == {"127.0.0.1"}


def test_the_attackers_key_server_serves_on_loopback_and_releases_its_port():
    server = attacks.attacker_key_server()
    with server:
        url = server.jwks_url
        assert url.startswith("http://127.0.0.1:")
        assert attacks.fetch_jwk(url)["kid"] == attacks.ATTACKER_KID
    with pytest.raises(RuntimeError, match="not running"):
        server.url  # noqa: B018
    with requests.Session() as http, pytest.raises(requests.ConnectionError):
        http.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment names
        http.get(url, timeout=2)


def test_the_provider_never_imports_the_attack_lab():
    importing = re.compile(r"tokenlab\.attacks|from tokenlab import [^\n]*\battacks\b|from \. import attacks")
    sources = list((SRC / "provider").glob("*.py"))
    assert len(sources) > 10
    for path in sources:
        assert not importing.search(path.read_text(encoding="utf-8")), path
    probe = (
        "import sys\n"
        "from tokenlab.provider import MockProvider\n"
        "from tokenlab import client, verify\n"
        "with MockProvider() as op:\n"
        "    client.call_api(op.url('/api/orders'), op.mint('web-app', 'alice')['access_token'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('tokenlab.attacks')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_key_set_is_all_tokenlab_ever_trusts_so_the_key_each_attack_hands_the_api_is_ignored():
    verifier = attacks.tokenlab_verifier(KeySet([demo_key("RS256").public()]))
    token = attacks.lab_access_token(now=Clock.system().timestamp())
    assert verifier(token, "anything at all")["sub"] == "user-bob"

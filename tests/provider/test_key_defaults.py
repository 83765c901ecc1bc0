"""Which key a provider signs with when none is given (SECURITY.md I7): a bare MockProvider() and `tokenlab serve`
sign with a fresh random key, never the course's demo key, whose private half ships in the package; a seeded
provider (every lesson) keeps the demo key, so that lessons repeat byte for byte. Checked over real HTTP: the JWKS
the provider serves, and what an API that trusts that JWKS does with a token forged with the demo key."""

import json
import os
import signal
import subprocess
import sys

import pytest

from tokenlab import Clock, RemoteKeySet, decode_unverified, sign, verify
from tokenlab.errors import InvalidTokenError
from tokenlab.keys import DEMO_ALGORITHMS, demo_key
from tokenlab.provider import MockProvider, ProviderConfig

DEMO_KEYS = [demo_key(alg, generation=g) for alg in DEMO_ALGORITHMS if alg != "HS256" for g in (1, 2)]
DEMO_KIDS = {key.kid for key in DEMO_KEYS}
DEMO_PUBLIC_PARTS = {key.public_jwk().get("n") or key.public_jwk().get("x") for key in DEMO_KEYS}


def published(issuer, http):
    answer = http.get(issuer + "/jwks.json", timeout=10)
    assert answer.status_code == 200
    return answer.json()["keys"]


def forged_from(genuine, key, **changes):
    """The genuine token's claims, changed, signed with ``key`` under the genuine token's own ``kid``."""
    kid = decode_unverified(genuine).header["kid"]
    return sign({**decode_unverified(genuine).claims, **changes}, key, typ="at+jwt", headers={"kid": kid})


def offline_api(op):
    """An API that verifies the provider's JWTs offline with the JWKS it fetches from the provider."""
    keys = RemoteKeySet(op.url("/jwks.json"), clock=op.clock)

    def check(token):
        return keys.verify(token, algorithms=["RS256"], audience="demo-api", issuer=op.issuer, typ="at+jwt")

    return check


def test_an_unseeded_provider_publishes_none_of_the_demo_keys(op, http):
    keys = published(op.issuer, http)
    assert len(keys) == 1
    assert keys[0]["kid"] not in DEMO_KIDS
    assert keys[0]["n"] not in DEMO_PUBLIC_PARTS  # not the demo key under another kid either
    assert op.app.signing_key.kid == keys[0]["kid"]


@pytest.mark.parametrize("generation", [1, 2])
def test_a_token_forged_with_a_published_demo_key_does_not_verify_against_an_unseeded_providers_jwks(
    op, http, generation
):
    genuine = op.mint("web-app", "bob", scope="orders:read")["access_token"]
    api = offline_api(op)
    assert api(genuine)["sub"] == "user-bob"  # the API works: the provider's own tokens verify
    forged = forged_from(genuine, demo_key("RS256", generation=generation), sub="user-alice", scope="orders:write")
    with pytest.raises(InvalidTokenError):
        api(forged)
    as_demo_kid = sign(decode_unverified(forged).claims, demo_key("RS256", generation=generation), typ="at+jwt")
    with pytest.raises(InvalidTokenError):
        api(as_demo_kid)  # nor under the demo key's own kid


def test_a_seeded_provider_signs_with_the_demo_key_so_that_lessons_repeat_byte_for_byte(http):
    claims = []
    for _ in range(2):
        with MockProvider(clock=Clock.frozen(), seed=10) as op:
            assert [k["kid"] for k in published(op.issuer, http)] == [demo_key("RS256").kid]
            token = op.mint("reporting-service")["access_token"]
            assert verify(token, demo_key("RS256").public(), algorithms=["RS256"], audience="demo-api", clock=op.clock)
            claims.append({**decode_unverified(token).claims, "iss": "(the port differs)"})
    assert claims[0] == claims[1]  # same seed, same clock, same key: the same token but for the port in iss


def test_every_unseeded_provider_of_one_process_signs_with_that_processs_own_key(clock, http):
    with MockProvider(clock=clock) as first, MockProvider(clock=clock) as second:
        assert published(first.issuer, http) == published(second.issuer, http)
        assert first.app.signing_key.kid not in DEMO_KIDS


def test_another_algorithm_gets_a_fresh_key_of_its_own_too(clock, http):
    with MockProvider(ProviderConfig.demo(signing_alg="ES256"), clock=clock) as op:
        keys = published(op.issuer, http)
        assert [k["alg"] for k in keys] == ["ES256"]
        assert keys[0]["kid"] not in DEMO_KIDS
        assert keys[0]["x"] not in DEMO_PUBLIC_PARTS


def test_a_key_passed_in_is_used_as_given(clock, http):
    with MockProvider(clock=clock, signing_key=demo_key("RS256", generation=2)) as op:
        assert [k["kid"] for k in published(op.issuer, http)] == [demo_key("RS256", generation=2).kid]


# --- `tokenlab serve` ----------------------------------------------------------------------------------------------


def serve(*arguments):
    return subprocess.Popen(
        [sys.executable, "-m", "tokenlab.cli", "serve", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def stop(process):
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    return process.stdout.read(), process.stderr.read()


def contains_private_key(text):
    jwk_private = ('"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"', '"k"')
    return "PRIVATE KEY" in text or any(name in text for name in jwk_private)


def test_tokenlab_serve_signs_with_a_fresh_key_and_its_json_line_carries_no_key(op, http):
    with serve("--json") as process:
        try:
            line = process.stdout.readline()
            info = json.loads(line)
            keys = published(info["issuer"], http)
            assert keys[0]["kid"] not in DEMO_KIDS
            assert keys[0]["n"] not in DEMO_PUBLIC_PARTS
            assert keys[0]["kid"] != op.app.signing_key.kid  # its own process, its own key
            assert not contains_private_key(line)
            rest, errors = stop(process)
            assert rest == "" and "Traceback" not in errors
        finally:
            if process.poll() is None:
                process.kill()


def test_tokenlab_serve_names_its_fresh_key_in_the_banner_and_nothing_secret_about_it(http):
    with serve() as process:
        try:
            banner = [process.stdout.readline() for _ in range(3)]
            issuer = banner[0].split(" at ")[1].split()[0]
            kid = published(issuer, http)[0]["kid"]
            assert banner[2].split()[:5] == ["signing:", "a", "fresh", "RS256", "key"]
            assert f"kid {kid} " in banner[2]
            rest, errors = stop(process)
            text = "".join(banner) + rest + errors
            assert not contains_private_key(text)
        finally:
            if process.poll() is None:
                process.kill()


def test_a_forged_token_gets_nowhere_at_a_running_tokenlab_serve(http):
    """An outside API trusting `tokenlab serve`'s JWKS, as an OAuth library would, refuses a demo-key forgery."""
    with serve("--json") as process:
        try:
            info = json.loads(process.stdout.readline())
            issuer = info["issuer"]
            machine = next(c for c in info["clients"] if c["client_id"] == "reporting-service")
            genuine = http.post(
                issuer + "/token",
                data={"grant_type": "client_credentials"},
                auth=(machine["client_id"], machine["client_secret"]),
                timeout=10,
            ).json()["access_token"]
            keys = RemoteKeySet(issuer + "/jwks.json", clock=Clock.system())
            checks = {"algorithms": ["RS256"], "audience": "demo-api", "issuer": issuer, "typ": "at+jwt"}
            assert keys.verify(genuine, **checks)["client_id"] == "reporting-service"
            with pytest.raises(InvalidTokenError):
                keys.verify(forged_from(genuine, demo_key("RS256"), scope="orders:write"), **checks)
            stop(process)
        finally:
            if process.poll() is None:
                process.kill()

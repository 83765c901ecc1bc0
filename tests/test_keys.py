"""tokenlab.keys: demo keys, fresh keys, JWK export, key sets, and every key form as_key reads."""

import base64
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from tokenlab.errors import InvalidKeyError, UsageError
from tokenlab.keys import (
    DEMO_ALGORITHMS,
    Key,
    KeySet,
    as_key,
    demo_key,
    demo_key_set,
    generate_key,
    min_hmac_key_bytes,
)
from tokenlab.tokens import WEAK_SECRETS, b64url_encode

DEMO_KIDS = {
    "HS256": "hs256-BjVwXvnb",
    "RS256": "rs256-JjJTPQbC",
    "ES256": "es256-yB2fDvMo",
    "EdDSA": "eddsa-rcd_8W-Q",
}
ASYMMETRIC = [alg for alg in DEMO_ALGORITHMS if alg != "HS256"]
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- demo keys --------------------------------------------------------------


def test_the_course_teaches_four_algorithms_with_one_demo_key_each():
    assert DEMO_ALGORITHMS == ("HS256", "RS256", "ES256", "EdDSA")
    for alg in DEMO_ALGORITHMS:
        key = demo_key(alg)
        assert key.alg == alg and key.can_sign


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_a_demo_key_is_loaded_once_and_then_returned_as_the_same_object(alg):
    assert demo_key(alg) is demo_key(alg)


def test_demo_key_defaults_to_rs256_and_shares_one_object_however_it_is_called():
    assert demo_key() is demo_key("RS256") is demo_key(alg="RS256")


@pytest.mark.parametrize(("alg", "kid"), DEMO_KIDS.items())
def test_demo_key_kids_are_stable_from_release_to_release(alg, kid):
    assert demo_key(alg).kid == kid


def test_a_kid_is_the_algorithm_and_the_rfc_7638_thumbprint_of_the_key():
    # RFC 7638 §3.1: this RSA key's thumbprint is NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
    rfc_7638_key = {
        "kty": "RSA",
        "e": "AQAB",
        "alg": "RS256",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiF"
        "V4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zg"
        "dAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur"
        "-kEgU8awapJzKnqDKgw",
    }
    assert as_key(rfc_7638_key).kid == "rs256-NzbLsXh8"


def test_an_unknown_demo_algorithm_is_a_usage_error_listing_the_choices():
    with pytest.raises(UsageError, match="HS256, RS256, ES256, EdDSA"):
        demo_key("PS256")


def test_the_demo_hmac_secret_is_32_bytes_and_not_a_dictionary_word():
    secret = demo_key("HS256").signing
    assert isinstance(secret, bytes) and len(secret) >= 32
    assert secret.decode("latin-1") not in WEAK_SECRETS


def test_the_demo_key_set_holds_the_public_halves_of_the_asymmetric_demo_keys():
    keys = demo_key_set()
    assert len(keys) == 3
    assert [key.kid for key in keys] == [DEMO_KIDS[alg] for alg in ASYMMETRIC]
    assert all(not key.can_sign for key in keys)
    assert DEMO_KIDS["HS256"] not in keys


# --- JWK export ---------------------------------------------------------------


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_a_public_jwk_has_use_sig_alg_kid_and_no_key_ops_or_private_members(alg):
    jwk_ = demo_key(alg).public_jwk()
    assert jwk_["use"] == "sig"
    assert jwk_["alg"] == alg
    assert jwk_["kid"] == DEMO_KIDS[alg]
    assert "key_ops" not in jwk_
    assert not PRIVATE_JWK_MEMBERS & set(jwk_)
    json.dumps(jwk_)  # publishable as it is


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_a_private_jwk_holds_the_private_part_and_reads_back_as_a_signing_key(alg):
    jwk_ = demo_key(alg).jwk(private=True)
    assert "d" in jwk_ and "key_ops" not in jwk_ and jwk_["use"] == "sig"
    again = as_key(jwk_)
    assert again.can_sign and again.kid == DEMO_KIDS[alg]


def test_a_symmetric_key_refuses_public_export():
    key = demo_key("HS256")
    with pytest.raises(InvalidKeyError, match="no public half"):
        key.public_jwk()
    with pytest.raises(InvalidKeyError, match="no public key"):
        key.public_pem()
    assert key.public() is key


def test_a_symmetric_key_exports_its_secret_only_when_asked_for_the_private_jwk():
    jwk_ = demo_key("HS256").jwk(private=True)
    assert jwk_["kty"] == "oct" and jwk_["use"] == "sig" and "key_ops" not in jwk_
    assert b64url_decode(jwk_["k"]) == demo_key("HS256").signing


def test_a_public_key_can_neither_sign_nor_export_a_private_part():
    public = demo_key("RS256").public()
    assert public.kid == DEMO_KIDS["RS256"] and not public.can_sign
    with pytest.raises(InvalidKeyError, match="no private part"):
        public.jwk(private=True)
    with pytest.raises(InvalidKeyError, match="can verify but not sign"):
        public.sign_bytes(b"message")


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_public_pem_reads_back_as_the_same_key(alg):
    pem = demo_key(alg).public_pem()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert as_key(pem).kid == DEMO_KIDS[alg]


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_sign_bytes_and_verify_bytes_agree_and_detect_a_changed_message(alg):
    key = demo_key(alg)
    signature = key.sign_bytes(b"header.payload")
    assert key.verify_bytes(b"header.payload", signature)
    assert key.public().verify_bytes(b"header.payload", signature)
    assert not key.verify_bytes(b"header.payloaD", signature)


def test_es256_signatures_are_deterministic_and_standard_ecdsa():
    key = demo_key("ES256")
    signature = key.sign_bytes(b"message")
    assert signature == key.sign_bytes(b"message")
    assert len(signature) == 64
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    key.verifying.verify(encode_dss_signature(r, s), b"message", ec.ECDSA(hashes.SHA256()))


# --- key sets -------------------------------------------------------------------


def test_a_key_set_refuses_two_keys_with_the_same_kid():
    with pytest.raises(InvalidKeyError, match="share the kid"):
        KeySet([demo_key("RS256"), demo_key("RS256").public()])


def test_a_key_set_finds_keys_by_exact_kid_with_a_plain_lookup():
    keys = demo_key_set()
    assert keys.get(DEMO_KIDS["ES256"]).alg == "ES256"
    for kid in ["unknown", "", DEMO_KIDS["ES256"].upper(), DEMO_KIDS["ES256"] + " ", "../../dev/null"]:
        assert keys.get(kid) is None
    for kid in [None, 0, 1.5, [DEMO_KIDS["ES256"]], {"kid": DEMO_KIDS["ES256"]}]:
        assert keys.get(kid) is None
    assert DEMO_KIDS["RS256"] in keys and "unknown" not in keys


def test_only_returns_the_single_key_of_a_one_key_set():
    assert KeySet([demo_key("ES256")]).only() is demo_key("ES256")
    assert demo_key_set().only() is None
    assert KeySet([]).only() is None


def test_a_key_set_publishes_public_keys_and_never_a_symmetric_secret():
    keys = KeySet([demo_key("HS256"), demo_key("RS256"), demo_key("EdDSA")])
    published = keys.jwks()
    assert [k["kid"] for k in published["keys"]] == [DEMO_KIDS["RS256"], DEMO_KIDS["EdDSA"]]
    assert all(not PRIVATE_JWK_MEMBERS & set(k) for k in published["keys"])
    assert repr(keys) == f"KeySet({DEMO_KIDS['HS256']}, {DEMO_KIDS['RS256']}, {DEMO_KIDS['EdDSA']})"


@pytest.mark.parametrize(
    "encode", [lambda d: d, json.dumps, lambda d: json.dumps(d).encode()], ids=["dict", "str", "bytes"]
)
def test_a_published_jwks_reads_back_into_the_same_key_set(encode):
    again = KeySet.from_jwks(encode(demo_key_set().jwks()))
    assert [key.kid for key in again] == [DEMO_KIDS[alg] for alg in ASYMMETRIC]
    assert [key.alg for key in again] == ASYMMETRIC


def test_from_jwks_skips_unknown_key_types_encryption_keys_and_entries_that_are_not_keys():
    rsa_jwk = demo_key("RS256").public_jwk()
    jwks = {
        "keys": [
            {"kty": "XYZ", "kid": "future-key-type"},
            {**demo_key("ES256").public_jwk(), "use": "enc"},
            "not a key",
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
            {"kty": "oct", "kid": "pem-as-secret", "k": b64url_encode(demo_key("RS256").public_pem().encode())},
            rsa_jwk,
        ]
    }
    keys = KeySet.from_jwks(jwks)
    assert [key.kid for key in keys] == [DEMO_KIDS["RS256"]]


@pytest.mark.parametrize("jwks", ["not json", "[]", '{"keys": {}}', {"kid": "x"}, [demo_key("RS256").public_jwk()]])
def test_from_jwks_refuses_what_is_not_a_jwk_set(jwks):
    with pytest.raises(InvalidKeyError):
        KeySet.from_jwks(jwks)


# --- as_key: every form a learner may hold ---------------------------------------


def _certificate_pem(key: Key) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tokenlab demo")])
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    builder = x509.CertificateBuilder().subject_name(name).issuer_name(name).serial_number(1)
    builder = builder.public_key(key.verifying).not_valid_before(start).not_valid_after(start + timedelta(days=365))
    return builder.sign(key.signing, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _forms(alg: str) -> dict:
    key = demo_key(alg)
    private, public = key.signing, key.verifying
    pkcs8 = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return {
        "pem-private-text": pkcs8.decode(),
        "pem-private-bytes": pkcs8,
        "pem-public": public.public_bytes(serialization.Encoding.PEM, spki).decode(),
        "openssh-public": public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
        "der-public": public.public_bytes(serialization.Encoding.DER, spki),
        "jwk-dict": key.public_jwk(),
        "jwk-json-text": json.dumps(key.public_jwk()),
        "pyjwk": jwt.PyJWK(key.public_jwk()),
        "cryptography-private": private,
        "cryptography-public": public,
    }


@pytest.mark.parametrize("alg", ASYMMETRIC)
@pytest.mark.parametrize(
    "form",
    [
        "pem-private-text",
        "pem-private-bytes",
        "pem-public",
        "openssh-public",
        "der-public",
        "jwk-dict",
        "jwk-json-text",
        "pyjwk",
        "cryptography-private",
        "cryptography-public",
    ],
)
def test_as_key_reads_every_common_form_of_a_key_into_the_same_pinned_key(alg, form):
    key = as_key(_forms(alg)[form])
    assert key.alg == alg
    assert key.kid == DEMO_KIDS[alg]
    assert key.can_sign == ("private" in form)
    assert key.verify_bytes(b"message", demo_key(alg).sign_bytes(b"message"))


def test_as_key_reads_the_public_key_of_a_pem_certificate():
    key = as_key(_certificate_pem(demo_key("RS256")))
    assert (key.alg, key.kid, key.can_sign) == ("RS256", DEMO_KIDS["RS256"], False)


def test_as_key_returns_a_key_object_unchanged_and_keeps_its_pin():
    key = demo_key("ES256")
    assert as_key(key) is key
    assert as_key(key, "ES256") is key
    with pytest.raises(InvalidKeyError, match="pinned to ES256"):
        as_key(key, "ES384")


def test_as_key_takes_a_kid_for_raw_material_and_a_jwk_kid_from_the_jwk():
    assert as_key(demo_key("EdDSA").verifying, kid="my-kid").kid == "my-kid"
    assert as_key({**demo_key("EdDSA").public_jwk(), "kid": "from-jwk"}).kid == "from-jwk"


def test_as_key_reads_text_and_bytes_as_hmac_secrets_and_pins_the_requested_hash():
    secret = "k" * 64
    assert as_key(secret).alg == "HS256" and as_key(secret).symmetric
    assert as_key(secret.encode()).signing == secret.encode()
    assert as_key(bytearray(secret.encode())).kid == as_key(secret).kid
    assert as_key(secret, "HS512").alg == "HS512"


@pytest.mark.parametrize("form", ["cryptography-private", "pem-public", "openssh-public", "der-public", "jwk-dict"])
def test_as_key_refuses_an_rsa_key_for_es256(form):
    with pytest.raises(InvalidKeyError):
        as_key(_forms("RS256")[form], "ES256")


@pytest.mark.parametrize("form", ["pem-public", "openssh-public", "der-public", "jwk-dict", "jwk-json-text"])
def test_as_key_refuses_a_public_key_as_an_hmac_secret_with_its_own_error(form):
    with pytest.raises(InvalidKeyError):
        as_key(_forms("RS256")[form], "HS256")


def test_as_key_refuses_a_der_certificate_as_an_hmac_secret_with_its_own_error():
    der = x509.load_pem_x509_certificate(_certificate_pem(demo_key("RS256"))).public_bytes(serialization.Encoding.DER)
    with pytest.raises(InvalidKeyError, match="HMAC secret"):
        as_key(der)


def test_an_rsa_key_can_serve_another_rsa_algorithm_when_asked():
    assert as_key(demo_key("RS256").signing, "PS256").alg == "PS256"
    assert as_key(demo_key("RS256").signing, "PS256").kid.startswith("ps256-")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "no key given"),
        (b"", "empty"),
        ("", "empty"),
        (5, "not a key"),
        ({"keys": []}, "KeySet.from_jwks"),
        ("{not json", "not valid JSON"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "PEM"),
        ("ssh-rsa AAAA-not-base64", "SSH public key"),
        ({"kty": "RSA", "n": "AQAB"}, "JWK could not be read"),
        (ec.generate_private_key(ec.SECP256K1()), "no JWS algorithm"),
    ],
)
def test_as_key_refuses_what_is_not_a_usable_key_with_a_sentence_saying_why(value, words):
    with pytest.raises(InvalidKeyError, match=words):
        as_key(value)


@pytest.mark.parametrize("alg", ["none", "HS1", "RS1"])
def test_as_key_refuses_an_algorithm_it_does_not_support(alg):
    with pytest.raises(InvalidKeyError, match="not a signing algorithm"):
        as_key("k" * 64, alg)


# --- fresh keys -------------------------------------------------------------------

GENERATED = ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA"]


@pytest.mark.parametrize("alg", GENERATED)
def test_generate_key_makes_a_fresh_signing_key_for_each_listed_algorithm(alg):
    key = generate_key(alg)
    assert key.alg == alg and key.can_sign and key.kid.startswith(alg.lower() + "-")
    assert key.verify_bytes(b"message", key.sign_bytes(b"message"))
    if key.symmetric:
        assert len(key.signing) == min_hmac_key_bytes(alg)


def test_two_generated_keys_differ_and_a_kid_can_be_chosen():
    assert generate_key("ES256").kid != generate_key("ES256").kid
    assert generate_key("EdDSA", kid="rotation-2").kid == "rotation-2"


def test_generate_key_for_an_unknown_algorithm_is_a_usage_error():
    with pytest.raises(UsageError, match="not 'none'"):
        generate_key("none")


def test_the_shortest_hmac_secret_is_as_long_as_the_hash():
    assert [min_hmac_key_bytes(alg) for alg in ("HS256", "HS384", "HS512")] == [32, 48, 64]

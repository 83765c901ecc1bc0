"""The device authorization grant (RFC 8628): codes, the verification page, polling with pending / slow_down /
denied / expired, single use, and throttled user-code guessing, per browser and never per address (SECURITY.md
F1–F4, I3)."""

import re
import threading
from dataclasses import replace
from http.cookiejar import DefaultCookiePolicy

import pytest
import requests

from tokenlab import client as tokenlab_client
from tokenlab import decode_unverified
from tokenlab.browser import page_text
from tokenlab.errors import OAuthError
from tokenlab.provider import MockProvider, ProviderConfig
from tokenlab.provider.config import DEVICE_GRANT
from tokenlab.provider.login_session import password_blocked_for

USER_CODE = re.compile(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")
KIOSK = ("kiosk-app", "kiosk-secret-5b1e8d3c7a9f2046")


def start(op, http, client_id="tv-app", auth=None, **extra):
    data = {"client_id": client_id, **extra} if auth is None else extra
    return http.post(op.url("/device_authorization"), data=data, auth=auth)


def answer(op, http, user_code, action="approve", username="alice", password="wonderland"):
    """The user opens the page (which gives their browser its cookie) and sends the form."""
    if not http.cookies.get("tokenlab_device"):
        assert http.get(op.url("/device")).status_code == 200
    form = {"user_code": user_code, "username": username, "password": password, "action": action}
    return http.post(op.url("/device"), data=form)


def poll(op, http, device_code, client_id="tv-app", auth=None):
    data = {"grant_type": DEVICE_GRANT, "device_code": device_code}
    if auth is None:
        data["client_id"] = client_id
    return http.post(op.url("/token"), data=data, auth=auth)


def error(response):
    assert response.status_code == 400, response.text
    return response.json()["error"]


def api(op, http, access_token):
    return http.get(op.url("/api/orders"), headers={"Authorization": f"Bearer {access_token}"})


@pytest.fixture
def http():
    """The user's browser on the device page: it keeps the page's cookie (the provider tests' usual session
    keeps none)."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def two_device_clients(clock):
    """The demo provider with a second device client, a confidential kiosk."""
    config = ProviderConfig.demo()
    kiosk = replace(config.client("tv-app"), client_id=KIOSK[0], client_secret=KIOSK[1], name="Kiosk")
    with MockProvider(config.replace(clients=(*config.clients, kiosk)), clock=clock) as provider:
        yield provider
        assert provider.app.errors == []


# --- the happy path -------------------------------------------------------------------


def test_device_authorization_returns_both_codes_where_to_go_how_long_and_how_often(op, http):
    response = start(op, http, scope="openid orders:read")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert USER_CODE.fullmatch(body["user_code"])
    assert body["verification_uri"] == op.issuer + "/device"
    assert body["verification_uri_complete"] == f"{op.issuer}/device?user_code={body['user_code']}"
    assert (body["expires_in"], body["interval"]) == (600, 5)


def test_the_full_device_flow_authorize_approve_on_the_page_poll_and_get_tokens(op, http):
    codes = start(op, http, scope="openid profile orders:read offline_access").json()
    assert error(poll(op, http, codes["device_code"])) == "authorization_pending"
    page = http.get(codes["verification_uri_complete"])  # the user scans the QR code on the TV
    assert page.status_code == 200
    assert "TV App" in page.text and codes["user_code"] in page.text and "orders:read" in page.text
    assert '<form method="post">' in page.text
    done = answer(op, http, codes["user_code"])
    assert done.status_code == 200
    assert "Device connected" in done.text
    op.clock.advance(seconds=5)
    tokens = poll(op, http, codes["device_code"])
    assert tokens.status_code == 200
    assert tokens.headers["Cache-Control"] == "no-store"
    body = tokens.json()
    assert set(body) >= {"access_token", "refresh_token", "id_token", "token_type", "expires_in", "scope"}
    assert body["scope"] == "openid profile orders:read offline_access"
    assert decode_unverified(body["id_token"]).claims["sub"] == "user-alice"
    assert decode_unverified(body["id_token"]).claims["auth_time"] == op.clock.timestamp() - 5
    assert api(op, http, body["access_token"]).json()["sub"] == "user-alice"
    userinfo = http.get(op.url("/userinfo"), headers={"Authorization": f"Bearer {body['access_token']}"})
    assert userinfo.json()["preferred_username"] == "alice"


def test_the_device_flow_works_with_the_client_helpers(op, http):
    meta = tokenlab_client.discover(op.issuer, session=http)
    codes = tokenlab_client.start_device_flow(meta, client_id="tv-app", scope="orders:read", session=http)
    with pytest.raises(OAuthError) as pending:
        tokenlab_client.poll_device_token(meta, codes["device_code"], client_id="tv-app", session=http)
    assert pending.value.error == "authorization_pending"
    answer(op, http, codes["user_code"].lower().replace("-", " "))  # typed sloppily: still the same code
    op.clock.advance(seconds=5)
    tokens = tokenlab_client.poll_device_token(meta, codes["device_code"], client_id="tv-app", session=http)
    assert tokens["scope"] == "orders:read"


def test_a_client_without_the_device_grant_or_asking_too_much_is_refused(op, http):
    assert error(start(op, http, auth=("web-app", "web-app-secret-8f2d4c1e9b7a6350"))) == "unauthorized_client"
    assert error(start(op, http, scope="orders:write")) == "invalid_scope"
    assert start(op, http, client_id="nobody").status_code == 401


def test_the_device_page_is_plain_html_that_escapes_what_it_shows(op, http):
    page = http.get(op.url("/device"), params={"user_code": '"><script>alert(1)</script>'})
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "not valid" in page.text
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    for field in ('name="user_code"', 'name="username"', 'name="password"', 'value="approve"', 'value="deny"'):
        assert field in page.text
    assert "http" not in page.text.replace(op.issuer, "")  # no external resource


def test_a_wrong_password_approves_nothing(op, http):
    codes = start(op, http).json()
    refused = answer(op, http, codes["user_code"], password="guess")
    assert refused.status_code == 400
    assert "Wrong username or password" in refused.text
    assert error(poll(op, http, codes["device_code"])) == "authorization_pending"


# --- F1–F4 ---------------------------------------------------------------------------


def test_f1_polling_before_approval_is_pending_and_polling_faster_than_the_interval_is_slow_down(op, http):
    codes = start(op, http).json()
    assert error(poll(op, http, codes["device_code"])) == "authorization_pending"
    assert error(poll(op, http, codes["device_code"])) == "slow_down"  # at once: too fast
    assert op.store.devices.by_device_code(codes["device_code"]).interval == 10  # +5 s (RFC 8628 §3.5)
    op.clock.advance(seconds=5)
    slow = poll(op, http, codes["device_code"])  # 5 s is no longer enough
    assert error(slow) == "slow_down"
    assert "15 seconds" in slow.json()["error_description"]
    op.clock.advance(seconds=15)
    assert error(poll(op, http, codes["device_code"])) == "authorization_pending"
    answer(op, http, codes["user_code"])
    op.clock.advance(seconds=15)
    assert poll(op, http, codes["device_code"]).status_code == 200


def test_f2_polling_after_denial_is_access_denied_and_after_expiry_expired_token(op, http):
    denied = start(op, http).json()
    page = answer(op, http, denied["user_code"], action="deny")
    assert page.status_code == 200
    assert "denied" in page.text
    assert error(poll(op, http, denied["device_code"])) == "access_denied"
    late = start(op, http).json()
    op.clock.advance(seconds=600)
    assert error(poll(op, http, late["device_code"])) == "expired_token"
    too_late = answer(op, http, late["user_code"])  # the user shows up after expiry
    assert too_late.status_code == 400
    assert error(poll(op, http, late["device_code"])) == "expired_token"


def test_f3_a_device_code_of_another_client_or_used_twice_is_invalid_grant(two_device_clients, http):
    op = two_device_clients
    codes = start(op, http).json()
    answer(op, http, codes["user_code"])
    assert error(poll(op, http, codes["device_code"], auth=KIOSK)) == "invalid_grant"  # the kiosk stole it
    assert error(poll(op, http, "made-up-device-code")) == "invalid_grant"
    first = poll(op, http, codes["device_code"])  # the thief's attempt did not use it up
    assert first.status_code == 200
    replay = poll(op, http, codes["device_code"])
    assert error(replay) == "invalid_grant"
    said = replay.json()["error_description"]
    assert "already redeemed" in said and "now revoked" in said
    assert "tokenlab's provider" in said  # single use is this provider's rule, not RFC 8628's
    assert "copied" not in said  # a device whose response was lost polls again too: the server cannot tell
    assert api(op, http, first.json()["access_token"]).status_code == 401  # the second redemption revoked it
    refreshed = http.post(
        op.url("/token"),
        data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"], "client_id": "tv-app"},
    )
    assert error(refreshed) == "invalid_grant"


def test_f4_many_wrong_user_codes_from_one_browser_are_throttled_while_device_codes_stay_unguessable(op, http):
    codes = start(op, http).json()
    others = [start(op, http).json() for _ in range(5)]
    assert len({c["user_code"] for c in [codes, *others]}) == 6
    assert len(codes["device_code"]) >= 43  # 256 random bits, base64url (RFC 8628 §5.2)
    for guess in ["BBBB-BBBB", "WXYZ-BCDF", "1234-5678", "", "BCDF-GHJKL"]:
        wrong = answer(op, http, guess)
        assert wrong.status_code == 400
        assert "not valid" in wrong.text
    throttled = answer(op, http, codes["user_code"])  # even the right code waits now
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "60"
    said = page_text(throttled.text)
    assert "Too many wrong codes or passwords came from this browser. Wait 60 seconds and try again." in said
    assert "RFC 8628 §5.1" in said
    assert http.get(op.url("/device"), params={"user_code": codes["user_code"]}).status_code == 429
    assert error(poll(op, http, codes["device_code"])) == "authorization_pending"  # the code is untouched
    op.clock.advance(seconds=59)
    assert answer(op, http, codes["user_code"]).headers["Retry-After"] == "1"
    op.clock.advance(seconds=1)  # the frozen clock moved: the block lifts
    assert answer(op, http, codes["user_code"]).status_code == 200
    assert poll(op, http, codes["device_code"]).status_code == 200


def test_one_learners_wrong_codes_do_not_lock_out_another_browser_from_the_same_address(op, http):
    """Behind jupyter-server-proxy every learner comes from 127.0.0.1: the limit is per browser, not per address."""
    for guess in ["BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "FFFF-FFFF", "GGGG-GGGG"]:
        assert answer(op, http, guess).status_code == 400
    assert answer(op, http, "HHHH-HHHH").status_code == 429  # this learner's browser waits
    codes = start(op, http).json()
    with requests.Session() as other_learner:
        page = other_learner.get(codes["verification_uri_complete"])  # same address, another browser
        assert page.status_code == 200 and "TV App" in page.text
        assert answer(op, other_learner, codes["user_code"]).status_code == 200
    assert poll(op, http, codes["device_code"]).status_code == 200


def test_a_script_that_drops_its_cookie_meets_the_limit_for_everyone_which_lifts_with_the_clock(op):
    """A fresh cookie for every guess escapes the per-browser limit; the page's limit for everyone still holds
    (RFC 8628 §5.1), and a right code waits too, so a guesser learns nothing from it."""
    with requests.Session() as http:
        codes = start(op, http).json()

    def fresh_browser_guess(code):
        with requests.Session() as guesser:
            return guesser.get(op.url("/device"), params={"user_code": code})

    for n in range(60):
        assert fresh_browser_guess(f"BBBB-BB{'BCDFGHJKLM'[n // 10]}{'BCDFGHJKLM'[n % 10]}").status_code == 200
    refused = fresh_browser_guess(codes["user_code"])
    assert refused.status_code == 429
    assert "from everyone together" in refused.text and "Your browser did nothing wrong" in refused.text
    op.clock.advance(seconds=60)
    shown = fresh_browser_guess(codes["user_code"])
    assert shown.status_code == 200 and "TV App" in shown.text


def test_a_form_without_the_pages_cookie_or_from_another_site_is_refused_and_counts_nowhere(op, http):
    codes = start(op, http).json()
    form = {"user_code": codes["user_code"], "username": "alice", "password": "wonderland", "action": "approve"}
    with requests.Session() as script:
        script.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        for _ in range(10):  # a script, or another site's form: the browser sends no SameSite=Lax cookie with it
            bare = script.post(op.url("/device"), data=form)
            assert bare.status_code == 403
            assert "Refused: this form came without the cookie that this page sets" in bare.text
    http.get(op.url("/device"))
    for _ in range(10):
        forged = http.post(op.url("/device"), data=form, headers={"Origin": "https://evil.example"})
        assert forged.status_code == 403
        assert "sent by a page on https://evil.example" in forged.text
    assert error(poll(op, http, codes["device_code"])) == "authorization_pending"  # nothing approved
    assert answer(op, http, codes["user_code"]).status_code == 200  # and no try was spent


def test_wrong_passwords_for_one_code_or_one_username_are_limited_whatever_the_browser(op):
    codes = start(op, requests).json()
    for _ in range(5):  # five browsers, one wrong password each
        with requests.Session() as browser:
            assert answer(op, browser, codes["user_code"], password="guess").status_code == 400
    with requests.Session() as browser:
        waits = answer(op, browser, codes["user_code"])
        assert waits.status_code == 429
        assert "Too many wrong passwords were tried for this code or this username" in waits.text
    other = start(op, requests).json()
    with requests.Session() as browser:  # alice's name is blocked on another code too; bob is not
        assert answer(op, browser, other["user_code"]).status_code == 429
        assert answer(op, browser, other["user_code"], username="bob", password="builder").status_code == 200
    assert password_blocked_for(op.app, "alice") > 0  # the login page counts the same guesses for alice


def test_the_browser_cookie_is_httponly_lax_and_kept_to_the_device_page_behind_a_proxy(op):
    first = requests.get(op.url("/device"))
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith("tokenlab_device=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/device" in cookie
    assert "Secure" not in cookie  # http on 127.0.0.1: a Secure cookie would never come back
    behind_a_hub = requests.get(
        op.url("/device"), headers={"X-Forwarded-Prefix": "/user/alice/proxy/8406", "X-Forwarded-Proto": "https"}
    )
    cookie = behind_a_hub.headers["Set-Cookie"]
    assert "Path=/user/alice/proxy/8406/device" in cookie and "Secure" in cookie  # never the whole hub's "/"
    with requests.Session() as browser:
        browser.get(op.url("/device"))
        assert "Set-Cookie" not in browser.get(op.url("/device")).headers  # set once per browser


def test_f3_concurrent_redemptions_of_one_device_code_give_exactly_one_success_which_is_then_revoked(op):
    for _ in range(3):
        with requests.Session() as http:
            codes = start(op, http).json()
            answer(op, http, codes["user_code"])
        barrier = threading.Barrier(6)
        results = []

        def race(device_code=codes["device_code"], barrier=barrier, results=results):
            with requests.Session() as session:
                barrier.wait()
                results.append(poll(op, session, device_code))

        threads = [threading.Thread(target=race) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [r.json() for r in results if r.status_code == 200]
        assert len(results) == 6 and len(winners) == 1  # one poll sees "approved"; the others are replays
        assert all(r.json()["error"] == "invalid_grant" for r in results if r.status_code != 200)
        with requests.Session() as http:
            assert api(op, http, winners[0]["access_token"]).status_code == 401  # a replay, however close, revokes it


@pytest.mark.parametrize("comes_back", ["before-the-link", "after-the-link"])
def test_f3_a_device_code_that_comes_back_during_its_redemption_still_gets_its_grant_revoked(op, http, comes_back):
    """The two interleavings the concurrent test hits by chance, played in order on the store."""
    codes = start(op, http).json()
    answer(op, http, codes["user_code"])
    now = op.clock.timestamp()
    outcome, record = op.store.devices.poll(codes["device_code"], "tv-app", now)  # the first redemption takes it
    assert outcome == "approved"
    grant = op.store.tokens.new_grant("tv-app", record.sub, record.scope, record.auth_time, now)
    if comes_back == "before-the-link":
        assert op.store.devices.poll(codes["device_code"], "tv-app", now)[1].grant_id is None  # nothing to revoke yet
        assert op.store.devices.link_grant(codes["device_code"], grant.grant_id) is False  # so the first one revokes
    else:
        assert op.store.devices.link_grant(codes["device_code"], grant.grant_id) is True
        replay = poll(op, http, codes["device_code"])
        assert error(replay) == "invalid_grant"
        assert not op.store.tokens.grant_alive(grant.grant_id)  # the replay revoked it


def test_a_confidential_device_client_may_authenticate_with_basic_and_send_no_body(two_device_clients, http):
    op = two_device_clients
    codes = http.post(op.url("/device_authorization"), auth=KIOSK)
    assert codes.status_code == 200
    answer(op, http, codes.json()["user_code"])
    tokens = poll(op, http, codes.json()["device_code"], auth=KIOSK)
    assert tokens.json()["scope"] == "openid profile orders:read offline_access"
    assert http.post(op.url("/device_authorization"), auth=(KIOSK[0], "wrong")).status_code == 401


def test_the_approval_page_reads_as_sentences_to_the_user(op, http):
    codes = start(op, http, scope="openid orders:read").json()
    page = answer(op, http, codes["user_code"])
    assert page.status_code == 200
    text = page_text(page.text)
    assert (
        text
        == "Device connected. TV App may now act for alice with the scope openid orders:read. Return to your device."
    )
    assert " ." not in text


def test_head_on_the_device_page_checks_no_code_and_spends_no_try(op, http):
    codes = start(op, http).json()
    for _ in range(10):
        assert http.head(op.url("/device"), params={"user_code": "BBBB-BBBB"}).status_code == 200
    assert answer(op, http, codes["user_code"]).status_code == 200

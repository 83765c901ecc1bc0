"""Password guessing on the login page (SECURITY.md I3, RFC 6749 §10.10): limited per username and per login
page, never per address (behind jupyter-server-proxy every learner is 127.0.0.1); an unknown username is handled
exactly like a known one."""

import re
import statistics
import time

import requests

from tokenlab.provider.login_session import PASSWORD_TRIES_PER_PAGE, PASSWORD_TRIES_PER_USER, PASSWORD_WINDOW

from .test_authorize import redirected, request_params, start, submit


def wrong_passwords(op, username, times):
    """``times`` wrong passwords for ``username``, each on a fresh login page of its own browser."""
    answers = []
    for _ in range(times):
        with requests.Session() as http:
            answers.append(submit(op, http, start(op, http, request_params()), username=username, password="guess"))
    return answers


def test_wrong_passwords_for_one_user_block_that_user_even_with_the_right_password(op, http):
    assert {a.status_code for a in wrong_passwords(op, "alice", PASSWORD_TRIES_PER_USER)} == {200}
    blocked = submit(op, http, start(op, http, request_params()))  # now the right password, from a new page
    assert blocked.status_code == 429 and "Too many wrong passwords" in blocked.text
    assert 0 < int(blocked.headers["Retry-After"]) <= PASSWORD_WINDOW
    assert op.store.counts()["codes"] == 0


def test_other_users_behind_the_same_address_are_not_affected(op, http):
    wrong_passwords(op, "alice", PASSWORD_TRIES_PER_USER)  # every request here comes from 127.0.0.1
    assert "code" in redirected(submit(op, http, start(op, http, request_params()), username="bob", password="builder"))


def test_the_block_lifts_when_the_window_has_passed_on_the_providers_clock(op, http):
    wrong_passwords(op, "alice", PASSWORD_TRIES_PER_USER)
    op.clock.advance(seconds=PASSWORD_WINDOW)
    assert "code" in redirected(submit(op, http, start(op, http, request_params())))


def test_a_login_page_is_used_up_after_a_few_wrong_passwords_whatever_the_usernames(op, http):
    page = start(op, http, request_params())
    for n, name in enumerate(["carol", "dave", "erin"][:PASSWORD_TRIES_PER_PAGE], start=1):
        answer = submit(op, http, page, username=name, password="guess")
        assert answer.status_code == (400 if n == PASSWORD_TRIES_PER_PAGE else 200)
    assert "used up" in answer.text
    assert "expired or was already answered" in submit(op, http, page).text  # even the right password


def test_an_unknown_username_gets_the_same_answer_and_the_same_limit_as_a_known_one(op):
    known = wrong_passwords(op, "alice", PASSWORD_TRIES_PER_USER + 1)
    unknown = wrong_passwords(op, "alice-not-here", PASSWORD_TRIES_PER_USER + 1)
    assert [a.status_code for a in known] == [a.status_code for a in unknown] == [200] * 5 + [429]

    def text(answer, name):
        return re.sub(r'value="[^"]*"', "", answer.text.replace(name, "NAME"))

    assert text(known[0], "alice") == text(unknown[0], "alice-not-here")


def test_an_unknown_username_takes_about_as_long_as_a_known_one(op):
    # Over HTTP this sees only gross differences (a slow hash for known users only, say), not microseconds.
    took = {"alice": [], "nobody-at-all": []}
    for round_ in range(12):
        if round_ % 4 == 0:
            op.clock.advance(seconds=PASSWORD_WINDOW)  # stay under the per-user limit: time the check, not the block
        for name, times in took.items():
            with requests.Session() as http:
                page = start(op, http, request_params())
                began = time.perf_counter()
                assert submit(op, http, page, username=name, password="guess").status_code == 200
                times.append(time.perf_counter() - began)
    ratio = statistics.median(took["nobody-at-all"]) / statistics.median(took["alice"])
    assert 0.5 < ratio < 2.0, took

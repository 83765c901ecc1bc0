"""RedirectCatcher against a real MockProvider on loopback: log in, paste the redirect, press Redeem, read the HTML.

The last test runs lesson 06 top to bottom in a real kernel, then logs in at the link the lesson printed and
redeems the code with the lesson's own catcher, as a learner does after Run All.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import ipywidgets
import nbformat
import pytest
import requests
from nbclient import NotebookClient

from tokenlab import RedirectCatcher, client
from tokenlab.provider import MockProvider
from tokenlab.widgets.redirect import catch

REDIRECT_URI = "http://127.0.0.1/callback"
STATE = "state-for-the-catcher"
LESSON = Path(__file__).parents[1] / "notebooks" / "06-Authorization-Code-With-PKCE.ipynb"


@pytest.fixture
def op() -> Iterator[MockProvider]:
    with MockProvider() as provider:
        yield provider


@pytest.fixture
def meta(op: MockProvider) -> dict:
    return client.discover(op.issuer)


@pytest.fixture
def pkce() -> client.PKCE:
    return client.PKCE.make()


@pytest.fixture
def login_url(meta: dict, pkce: client.PKCE) -> str:
    return client.authorization_url(
        meta,
        client_id="notebook-app",
        redirect_uri=REDIRECT_URI,
        scope="openid profile orders:read",
        state=STATE,
        pkce=pkce,
    )


@pytest.fixture
def catcher(op: MockProvider, meta: dict, pkce: client.PKCE) -> RedirectCatcher:
    return RedirectCatcher(
        meta,
        client_id="notebook-app",
        redirect_uri=REDIRECT_URI,
        state=STATE,
        pkce=pkce,
        audience="demo-api",
        clock=op.clock,
    )


def part(widget: ipywidgets.Widget, name: str) -> ipywidgets.Widget:
    """The child (at any depth) with the CSS class ``tokenlab-redirect-<name>``: what a browser test finds too."""
    for child in getattr(widget, "children", ()):
        if f"tokenlab-redirect-{name}" in child._dom_classes:
            return child
        try:
            return part(child, name)
        except LookupError:
            pass
    raise LookupError(f"no child with class tokenlab-redirect-{name}")


def paste_and_redeem(catcher: RedirectCatcher, text: str) -> str:
    """Paste into the box, click Redeem, return the result's HTML."""
    part(catcher, "input").value = text
    part(catcher, "redeem").click()
    return part(catcher, "result").value


def with_param(url: str, name: str, value: str | None) -> str:
    """The same address with one query parameter replaced (or removed, for ``None``)."""
    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != name]
    if value is not None:
        params.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(params)))


def token_requests(op: MockProvider) -> list[str]:
    return [e.summary() for e in op.exchanges if "/token" in e.summary()]


def one_line(result_html: str) -> str:
    """The result's visible text, checked to be a single line that teaches, not a traceback."""
    text = html.unescape(re.sub(r"<[^>]+>", "", result_html))
    assert "\n" not in text and "Traceback" not in text, text
    return text


# --- a good paste --------------------------------------------------------------------------------------------------


def test_a_pasted_redirect_is_redeemed_and_the_tokens_claims_are_shown_verified(op, catcher, login_url, pkce):
    redirect = client.login_as(login_url, "alice", "wonderland")
    shown = paste_and_redeem(catcher, redirect.location)
    assert "✔ Tokens received for user-alice: state and iss checked" in shown
    assert "ID token</b> — <span" in shown and "✔ verified as the app must" in shown
    assert "access token</b> — <span" in shown and "✔ verified as the API will" in shown
    assert "aud demo-api" in shown
    assert '"openid profile orders:read"' in html.unescape(shown)
    assert "refresh token</b>" in shown
    assert catcher.tokens is not None and set(catcher.tokens) >= {"access_token", "id_token", "refresh_token"}
    redeemed = op.exchanges[-2]  # the token request, then the key set
    assert redeemed.summary().endswith("POST /token → 200 OK")
    # the catcher sent this flow's verifier; the provider's record shows it as its first and last four characters
    assert f"code_verifier={pkce.verifier[:4]}…{pkce.verifier[-4:]}" in redeemed.request_text()
    assert repr(catcher) == f"RedirectCatcher(notebook-app → {REDIRECT_URI}: ✔ Tokens received for user-alice)"


def test_the_address_bar_text_without_its_scheme_is_accepted(catcher, login_url):
    location = client.login_as(login_url, "alice", "wonderland").location
    assert "✔ Tokens received" in paste_and_redeem(catcher, "  " + location.removeprefix("http://") + "\n")


# --- what the client must refuse before redeeming -------------------------------------------------------------------


def test_a_redirect_with_another_state_is_refused_and_its_code_is_not_spent(op, catcher, login_url, meta, pkce):
    redirect = client.login_as(login_url, "alice", "wonderland")
    shown = one_line(paste_and_redeem(catcher, with_param(redirect.location, "state", "attackers-state")))
    assert shown.startswith("✖ state is 'attackers-state', but this app sent 'state-for-the-catcher'")
    assert "RFC 6749 §10.12" in shown
    assert token_requests(op) == []
    tokens = client.exchange_code(meta, redirect.code, client_id="notebook-app", redirect_uri=REDIRECT_URI, pkce=pkce)
    assert "access_token" in tokens  # the refused response's code was never sent


def test_a_redirect_without_state_is_refused(op, catcher, login_url):
    redirect = client.login_as(login_url, "alice", "wonderland")
    shown = one_line(paste_and_redeem(catcher, with_param(redirect.location, "state", None)))
    assert shown.startswith("✖ The response carries no state") and "RFC 6749 §10.12" in shown
    assert token_requests(op) == []


def test_a_redirect_naming_another_issuer_is_refused(op, catcher, login_url):
    redirect = client.login_as(login_url, "alice", "wonderland")
    shown = one_line(paste_and_redeem(catcher, with_param(redirect.location, "iss", "https://evil.example")))
    assert shown.startswith(f"✖ iss is 'https://evil.example', not '{op.issuer}'")
    assert "RFC 9207 §2.4" in shown and "mix-up" in shown
    assert token_requests(op) == []


def test_a_redirect_without_iss_is_refused_because_the_metadata_promises_one(op, catcher, login_url, meta):
    assert meta["authorization_response_iss_parameter_supported"] is True
    redirect = client.login_as(login_url, "alice", "wonderland")
    shown = one_line(paste_and_redeem(catcher, with_param(redirect.location, "iss", None)))
    assert shown.startswith("✖ The response carries no iss") and "RFC 9207 §2.4" in shown
    assert token_requests(op) == []


def test_an_error_response_is_shown_as_the_providers_error(op, catcher, login_url):
    redirect = client.login_as(login_url, "alice", "wonderland", approve=False)
    shown = one_line(paste_and_redeem(catcher, redirect.location))
    assert shown.startswith("✖ The provider answered with an error instead of a code: access_denied — The user denied")
    assert "RFC 6749 §4.1.2.1" in shown
    assert token_requests(op) == []


# --- what the provider refuses --------------------------------------------------------------------------------------


def test_a_replayed_code_is_refused_with_the_providers_message(op, catcher, login_url):
    location = client.login_as(login_url, "alice", "wonderland").location
    assert "✔ Tokens received" in paste_and_redeem(catcher, location)
    shown = one_line(paste_and_redeem(catcher, location))
    assert shown.startswith("✖ The provider refused the code: invalid_grant — This authorization code was already used")
    assert "RFC 6749 section 4.1.2" in shown and "Open the login page again for a fresh code" in shown
    assert catcher.tokens is None
    assert token_requests(op)[-1].endswith("POST /token → 400 Bad Request")


def test_an_expired_code_is_refused_with_the_providers_message(op, catcher, login_url):
    location = client.login_as(login_url, "alice", "wonderland").location
    op.clock.advance(seconds=op.config.code_lifetime + 1)
    shown = one_line(paste_and_redeem(catcher, location))
    assert shown.startswith("✖ The provider refused the code: invalid_grant — This authorization code has expired")


def test_a_provider_that_is_gone_is_explained_not_raised(meta, pkce, login_url, op):
    location = client.login_as(login_url, "alice", "wonderland").location
    catcher = RedirectCatcher(meta, client_id="notebook-app", redirect_uri=REDIRECT_URI, state=STATE, pkce=pkce)
    op.stop()
    shown = one_line(paste_and_redeem(catcher, location))
    assert shown.startswith(f"✖ Nothing answers at {meta['token_endpoint']}: this lesson's provider is not running")


# --- garbage in: one line that says what to paste -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paste", "starts"),
    [
        ("", "✖ Paste the whole address from your browser's address bar here"),
        ("   \n ", "✖ Paste the whole address from your browser's address bar here"),
        ("hello, world", "✖ That is not a web address"),
        ("iJodAMeZRCU0eq6pz9cjliKVYngmLCz37LR9wsE6Hrw", "✖ That looks like the code alone"),
        (
            "https://evil.example/callback?code=abc&state=state-for-the-catcher",
            "✖ That address is not the app's redirect",
        ),
        ("http://127.0.0.1:8080/callback?code=abc&state=state-for-the-catcher", "✖ That address is not the app's"),
        ("http://127.0.0.1:notaport/callback?code=abc", "✖ That address is not the app's redirect URI"),
        ("http://127.0.0.1/callback", "✖ The response carries no state"),
        ("http://127.0.0.1/callback?state=state-for-the-catcher&state=x", "✖ The address carries state more than once"),
        ("x" * 9_000, "✖ That is 9,000 characters"),
    ],
)
def test_a_paste_that_is_not_a_redirect_gets_one_line_that_teaches(op, catcher, paste, starts):
    assert one_line(paste_and_redeem(catcher, paste)).startswith(starts)
    assert catcher.tokens is None
    assert token_requests(op) == []


def test_the_login_page_address_pasted_by_mistake_is_recognised(op, catcher, login_url):
    shown = one_line(paste_and_redeem(catcher, login_url))
    assert shown == (
        "✖ That is the login page's address, not where it sent you: open it, sign in, and paste the address the "
        "browser shows afterwards."
    )


def test_a_redirect_without_a_code_is_refused(op, catcher):
    no_code = f"{REDIRECT_URI}?{urlencode({'state': STATE, 'iss': op.issuer})}"
    assert one_line(paste_and_redeem(catcher, no_code)).startswith("✖ The address carries no code")
    assert token_requests(op) == []


def test_catch_explains_a_paste_that_is_not_text(meta, pkce):
    caught = catch(None, meta, client_id="notebook-app", redirect_uri=REDIRECT_URI, state=STATE, pkce=pkce)
    assert (caught.ok, caught.message) == (False, "✖ Paste the address as text, not a NoneType.")


# --- the widget itself ----------------------------------------------------------------------------------------------


def test_before_any_paste_the_repr_and_the_static_view_are_deterministic_and_say_what_to_do(catcher):
    assert repr(catcher) == (
        f"RedirectCatcher(notebook-app → {REDIRECT_URI}: waiting for the address your browser lands on)"
    )
    assert "copy the whole address from the browser's address bar" in part(catcher, "result").value
    static = catcher._repr_mimebundle_()["text/html"]
    assert "run this cell to get the box where you paste the address" in static
    assert "127.0.0.1:" not in static  # nothing that depends on the provider's port


def test_typing_a_new_address_clears_the_previous_outcome(catcher, login_url):
    assert "✔" in paste_and_redeem(catcher, client.login_as(login_url, "alice", "wonderland").location)
    part(catcher, "input").value = "something else"
    assert catcher.result == "" and catcher.tokens is None
    assert "Press Redeem" in part(catcher, "result").value


def test_the_input_button_and_result_carry_the_classes_a_browser_test_drives(catcher):
    assert isinstance(part(catcher, "input"), ipywidgets.Text)
    assert isinstance(part(catcher, "redeem"), ipywidgets.Button) and part(catcher, "redeem").description == "Redeem"
    assert isinstance(part(catcher, "result"), ipywidgets.HTML)


# --- lesson 06, as a learner runs it --------------------------------------------------------------------------------


def test_lesson_06_after_run_all_still_answers_its_login_link_and_its_catcher_redeems_the_code():
    notebook = nbformat.read(LESSON, as_version=4)
    kernel = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(LESSON.parent)}}
    )
    with kernel.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            kernel.execute_cell(cell, index)
        (link_cell,) = [c for c in notebook.cells if c.get("id") == "try-in-browser"]
        (href,) = re.findall(r'href="([^"]+)"', link_cell.outputs[-1]["data"]["text/html"])
        link = html.unescape(href)
        issuer = "{0.scheme}://{0.netloc}".format(urlsplit(link))

        try:
            assert client.discover(issuer)["issuer"] == issuer
        except requests.ConnectionError:
            pytest.fail(f"after Run All, nothing answers at {issuer}: the lesson stopped the provider under its link")
        redirect = client.login_as(link, "alice", "wonderland")  # what the learner does in the browser

        click = nbformat.v4.new_code_cell(
            f"catcher.value = {redirect.location!r}\n"
            "[button] = [c for c in catcher.children[0].children if 'tokenlab-redirect-redeem' in c._dom_classes]\n"
            "button.click()\n"
            "print(catcher.result)"
        )
        notebook.cells.append(click)
        kernel.execute_cell(click, len(notebook.cells) - 1)
    printed = "".join(o.get("text", "") for o in click.outputs)
    assert printed.startswith("✔ Tokens received for user-alice: state and iss checked"), click.outputs


def test_no_part_of_the_catcher_is_100_percent_wide_plus_margins(catcher):
    from tests.test_widgets_decoder import wider_than_their_output

    assert wider_than_their_output(catcher) == []

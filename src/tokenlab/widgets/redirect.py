"""``RedirectCatcher``: paste the address your browser landed on after logging in, and the app's half runs.

In the authorization-code flow the provider sends the browser back to the client's ``redirect_uri`` with a
``code`` (RFC 6749 §4.1.2). In a lesson no app listens there: the browser shows an error page, and the address
bar shows the response. The catcher is the app's redirection endpoint, by hand: the learner pastes that address,
presses *Redeem*, and the catcher does what a client must do —

1. the address is the registered ``redirect_uri`` (RFC 6749 §3.1.2), each parameter given once (RFC 6749 §3.1);
2. ``state`` is the one the app sent (RFC 6749 §10.12);
3. ``iss`` is the issuer the app sent the user to (RFC 9207 §2.4);
4. an ``error`` is the provider's answer instead of a code (RFC 6749 §4.1.2.1);
5. the code is redeemed at the token endpoint with the PKCE verifier (RFC 6749 §4.1.3, RFC 7636 §4.5), over
   real HTTP, and the tokens are shown: the ID token verified as the app must (OIDC Core §3.1.3.7), the access
   token verified as the API will (RFC 9068 §4), with the keys from the provider's ``jwks_uri``.

Anything pasted gives one line that says what is wrong and what to do; nothing raises out of the widget.
:func:`read_redirect` and :func:`catch` are the plain functions; the widget only wires a text box and a button to
them. Unlike the other widgets, this one uses the network: redeeming a code *is* an HTTP request.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import ipywidgets as w
import requests

from tokenlab import client
from tokenlab.clock import Clock
from tokenlab.errors import OAuthError, TokenLabError
from tokenlab.keys import KeySet
from tokenlab.tokens import decode_unverified, verify
from tokenlab.widgets.render import attribute, escape, message_html

__all__ = ["Caught", "CheckedToken", "RedirectCatcher", "RefusedRedirect", "catch", "read_redirect", "result_html"]

_MAX_CHARS = 8_000  # far more than any address the provider sends back
_CODE_ALONE = re.compile(r"[A-Za-z0-9_~.-]{16,}")
_GOOD, _BAD, _QUIET = "#1a7f37", "#cf222e", "#57606a"


class RefusedRedirect(Exception):
    """What was pasted is not an authorization response this client may redeem; the message says why, in one line."""


@dataclass(frozen=True)
class CheckedToken:
    """One token of the response: its name, its claims (decoded), and the verdict of verifying it."""

    name: str
    verdict: str
    ok: bool
    explanations: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Caught:
    """The outcome of one paste: ``ok`` and a one-line ``message``; on success the token response and its checks."""

    ok: bool
    message: str
    tokens: Mapping[str, Any] | None = None
    checked: tuple[CheckedToken, ...] = field(default=())


def _same_endpoint(url: str, registered: str) -> bool:
    """Scheme, host, port and path as registered; the query is the response's (RFC 6749 §3.1.2)."""
    a, b = urlsplit(url), urlsplit(registered)
    default = {"http": 80, "https": 443}
    try:
        ports = (a.port or default.get(a.scheme), b.port or default.get(b.scheme))
    except ValueError:  # a port that is not a number
        return False
    return (a.scheme.lower(), (a.hostname or ""), a.path or "/") == (
        b.scheme.lower(),
        (b.hostname or ""),
        b.path or "/",
    ) and ports[0] == ports[1]


def read_redirect(
    text: Any,
    *,
    redirect_uri: str,
    state: str,
    issuer: str,
    iss_required: bool = True,
    authorization_endpoint: str | None = None,
) -> client.Redirect:
    """Check a pasted address as the client's redirection endpoint must, before any code is redeemed.

    Returns the :class:`~tokenlab.client.Redirect` (its ``code``, or its ``error``); raises
    :class:`RefusedRedirect` with a one-line reason for anything else.
    """
    if not isinstance(text, str):
        raise RefusedRedirect(f"Paste the address as text, not a {type(text).__name__}.")
    text = text.strip()
    if not text:
        raise RefusedRedirect(
            f"Paste the whole address from your browser's address bar here: it starts with {redirect_uri}?code=…"
        )
    if len(text) > _MAX_CHARS:
        raise RefusedRedirect(
            f"That is {len(text):,} characters, far longer than the address the provider sends back: "
            "paste only the text of the address bar."
        )
    registered = urlsplit(redirect_uri)
    if "://" not in text and registered.netloc and text.startswith(registered.netloc + "/"):
        text = f"{registered.scheme}://{text}"  # the address bar may hide the scheme
    if "://" not in text:
        if _CODE_ALONE.fullmatch(text):
            raise RefusedRedirect(
                "That looks like the code alone: paste the whole address, so that the app can check its state "
                "(RFC 6749 §10.12) and its iss (RFC 9207 §2.4) before it redeems the code."
            )
        raise RefusedRedirect(
            f"That is not a web address: copy the whole text of the address bar, which starts with {redirect_uri}?"
        )
    if authorization_endpoint and _same_endpoint(text, authorization_endpoint):
        raise RefusedRedirect(
            "That is the login page's address, not where it sent you: open it, sign in, and paste the address "
            "the browser shows afterwards."
        )
    if not _same_endpoint(text, redirect_uri):
        raise RefusedRedirect(
            f"That address is not the app's redirect URI {redirect_uri}: the provider sends its answer only there "
            "(RFC 6749 §3.1.2), so paste the address your browser landed on after you signed in."
        )
    query = parse_qs(urlsplit(text).query, keep_blank_values=True)
    repeated = sorted(name for name, values in query.items() if len(values) > 1)
    if repeated:
        raise RefusedRedirect(
            f"The address carries {repeated[0]} more than once, and a response parameter must not be repeated "
            "(RFC 6749 §3.1): the app refuses it."
        )
    params = {name: values[0] for name, values in query.items()}
    redirect = client.Redirect(text, params)
    if "state" not in params:
        raise RefusedRedirect(
            f"The response carries no state, but this app sent {state!r}: the app refuses it, as it must refuse "
            "any response it cannot tie to its own request (RFC 6749 §10.12)."
        )
    if params["state"] != state:
        raise RefusedRedirect(
            f"state is {params['state']!r}, but this app sent {state!r}: this response belongs to another login, "
            "perhaps one an attacker started, so the app refuses it (RFC 6749 §10.12)."
        )
    if "iss" not in params and iss_required:
        raise RefusedRedirect(
            "The response carries no iss, although the provider's metadata promises one: the app must refuse it "
            "(RFC 9207 §2.4)."
        )
    if "iss" in params and params["iss"] != issuer:
        raise RefusedRedirect(
            f"iss is {params['iss']!r}, not {issuer!r}, the provider this app sent you to: the app must refuse it "
            "(RFC 9207 §2.4), or a mix-up attack could make it send your code to another provider (RFC 9700 §4.4)."
        )
    if "error" in params:
        description = params.get("error_description", "").strip()
        raise RefusedRedirect(
            f"The provider answered with an error instead of a code: {params['error']}"
            f"{' — ' + description if description else ''} (RFC 6749 §4.1.2.1). Open the login page again to retry."
        )
    if not params.get("code"):
        raise RefusedRedirect(
            "The address carries no code: paste the address the browser shows after you sign in and allow."
        )
    return redirect


def _check_tokens(
    tokens: Mapping[str, Any],
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str | None,
    audience: str | None,
    algorithms: list[str],
    clock: Clock,
) -> tuple[CheckedToken, ...]:
    checked = []
    if isinstance(tokens.get("id_token"), str):
        token = tokens["id_token"]
        try:
            claims = verify(token, keys, algorithms=algorithms, issuer=issuer, audience=client_id, clock=clock)
            if nonce is not None and claims.get("nonce") != nonce:
                raise RefusedRedirect(f"its nonce is {claims.get('nonce')!r}, not {nonce!r}, the one this app sent")
            what = f"signature with the provider's published key, iss, aud {client_id}, exp{', nonce' if nonce else ''}"
            checked.append(
                _checked("ID token", token, clock, f"✔ verified as the app must: {what} (OIDC Core §3.1.3.7)")
            )
        except (TokenLabError, RefusedRedirect) as err:
            checked.append(_checked("ID token", token, clock, f"✖ not valid: {err} (OIDC Core §3.1.3.7)", ok=False))
    if isinstance(tokens.get("access_token"), str):
        token = tokens["access_token"]
        if audience is None:
            verdict = "decoded, not verified here: the API it is for verifies it (RFC 9068 §4)"
            checked.append(_checked("access token", token, clock, verdict))
        else:
            try:
                verify(token, keys, algorithms=algorithms, issuer=issuer, audience=audience, clock=clock, typ="at+jwt")
                what = f"signature, typ at+jwt, iss, aud {audience}, exp"
                checked.append(
                    _checked("access token", token, clock, f"✔ verified as the API will: {what} (RFC 9068 §4)")
                )
            except TokenLabError as err:
                checked.append(_checked("access token", token, clock, f"✖ not valid: {err} (RFC 9068 §4)", ok=False))
    if isinstance(tokens.get("refresh_token"), str):
        verdict = "received; the app keeps it to ask the provider for new access tokens, never sends it to an API (RFC 6749 §1.5)"
        checked.append(CheckedToken("refresh token", verdict, True))
    return tuple(checked)


def _checked(name: str, token: str, clock: Clock, verdict: str, *, ok: bool = True) -> CheckedToken:
    try:
        explanations = tuple(e for e in decode_unverified(token, clock=clock).explanations if e.part == "payload")
    except TokenLabError:  # an opaque access token: nothing to decode
        explanations = ()
    return CheckedToken(name, verdict, ok, explanations)


def catch(
    text: Any,
    metadata: Mapping[str, Any],
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    pkce: client.PKCE | None,
    nonce: str | None = None,
    client_secret: str | None = None,
    audience: str | None = None,
    clock: Clock | None = None,
) -> Caught:
    """Check a pasted address (:func:`read_redirect`), redeem its code with the PKCE verifier, verify the tokens.

    Never raises: every failure is a :class:`Caught` with ``ok=False`` and a one-line message.
    """
    try:
        redirect = read_redirect(
            text,
            redirect_uri=redirect_uri,
            state=state,
            issuer=metadata["issuer"],
            iss_required=bool(metadata.get("authorization_response_iss_parameter_supported")),
            authorization_endpoint=metadata.get("authorization_endpoint"),
        )
    except RefusedRedirect as err:
        return Caught(False, f"✖ {err}")
    endpoint = metadata.get("token_endpoint", "the token endpoint")
    try:
        with client.new_session() as http:
            tokens = client.exchange_code(
                metadata,
                redirect.code,
                client_id=client_id,
                client_secret=client_secret,
                redirect_uri=redirect_uri,
                pkce=pkce,
                session=http,
            )
            keys = KeySet.from_jwks(http.get(metadata["jwks_uri"], timeout=10).json())
    except OAuthError as err:
        said = f"{err.error} — {err.description}" if err.description else err.error
        return Caught(
            False,
            f"✖ The provider refused the code: {said} Open the login page again for a fresh code, and redeem it once.",
        )
    except requests.RequestException:
        return Caught(
            False,
            f"✖ Nothing answers at {endpoint}: this lesson's provider is not running (was the kernel restarted?). "
            "Run the lesson's cells again, then open the new login link.",
        )
    except Exception as err:  # a provider that answers something unexpected: a plain line, never a traceback
        return Caught(False, f"✖ Redeeming the code failed: {type(err).__name__}: {err}")
    checked = _check_tokens(
        tokens,
        keys,
        issuer=metadata["issuer"],
        client_id=client_id,
        nonce=nonce,
        audience=audience,
        algorithms=[a for a in metadata.get("id_token_signing_alg_values_supported", ["RS256"]) if a != "none"],
        clock=clock or Clock.system(),
    )
    subject = next((e.value for c in checked for e in c.explanations if e.name == "sub"), None)
    whose = f" for {subject}" if subject else ""
    message = (
        f"✔ Tokens received{whose}: state and iss checked, then the code redeemed with the PKCE verifier "
        "(RFC 7636 §4.5)."
    )
    return Caught(True, message, tokens, checked)


def result_html(caught: Caught) -> str:
    """The outcome as HTML: the one line, then each token's verdict and claims."""
    colour = _GOOD if caught.ok else _BAD
    parts = [f'<div class="tl-redirect-line" style="color:{colour};line-height:1.45">{escape(caught.message)}</div>']
    for token in caught.checked:
        colour = _GOOD if token.ok else _BAD
        parts.append(
            f'<div class="tl-redirect-token" data-name="{attribute(token.name)}" style="margin-top:0.4em">'
            f'<b>{escape(token.name)}</b> — <span style="color:{colour}">{escape(token.verdict)}</span></div>'
        )
        if token.explanations:
            rows = "".join(
                f'<tr style="vertical-align:top"><td><code><b>{escape(e.name)}</b></code></td>'
                f'<td style="word-break:break-all"><code>{escape(e.shown)}</code></td>'
                f'<td style="color:{_QUIET}">{escape(e.meaning)}</td></tr>'
                for e in token.explanations
            )
            parts.append(f'<table class="tl-table" style="border-spacing:0.8em 0.2em;line-height:1.35">{rows}</table>')
    return "".join(parts)


class RedirectCatcher(w.VBox):
    """The app's redirection endpoint, by hand: paste the address the browser landed on, press *Redeem*.

    ``metadata`` is the provider's discovery document (:func:`tokenlab.client.discover`); ``client_id``,
    ``redirect_uri``, ``state``, ``pkce`` (and ``nonce``, if the request sent one) are those of the authorization
    request whose response is expected. ``audience`` is the API the access token is for: given, the access token
    is verified as that API will; ``clock`` is the clock tokens are checked on (the provider's, in a lesson).
    """

    def __init__(
        self,
        metadata: Mapping[str, Any],
        *,
        client_id: str,
        redirect_uri: str,
        state: str,
        pkce: client.PKCE | None,
        nonce: str | None = None,
        client_secret: str | None = None,
        audience: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._client_id = client_id
        self._redirect_uri = redirect_uri
        # what the authorization request sent, bound once: Redeem only adds the pasted text
        self._catch = functools.partial(
            catch,
            metadata=dict(metadata),
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=state,
            pkce=pkce,
            nonce=nonce,
            client_secret=client_secret,
            audience=audience,
            clock=clock,
        )
        self._caught: Caught | None = None

        self._input = w.Text(
            placeholder=f"Paste the address here: {redirect_uri}?code=…",
            continuous_update=True,
            layout=w.Layout(flex="1 1 auto", width="auto"),
        )
        self._button = w.Button(description="Redeem", button_style="primary", tooltip="Redeem the code for tokens")
        self._result = w.HTML()
        self._input.add_class("tokenlab-redirect-input")
        self._button.add_class("tokenlab-redirect-redeem")
        self._result.add_class("tokenlab-redirect-result")
        super().__init__([w.HBox([self._input, self._button], layout=w.Layout(width="auto")), self._result])
        self.add_class("tokenlab-redirect")
        self._input.observe(self._on_input, names="value")
        self._button.on_click(self._on_click)
        self._show_waiting()

    # --- public -----------------------------------------------------------------------------------

    @property
    def value(self) -> str:
        """The text in the box: the address pasted from the browser."""
        return self._input.value

    @value.setter
    def value(self, text: str) -> None:
        self._input.value = text

    def redeem(self) -> Caught:
        """What *Redeem* does: check the pasted address, redeem its code, verify the tokens, show the outcome."""
        try:
            self._caught = self._catch(self._input.value)
        except Exception as err:  # last resort: a plain line in the widget, never a traceback
            self._caught = Caught(False, f"✖ The catcher failed: {type(err).__name__}: {err}")
        self._result.value = result_html(self._caught)
        return self._caught

    @property
    def result(self) -> str:
        """The outcome as one line of plain text (empty before anything was redeemed)."""
        return self._caught.message if self._caught is not None else ""

    @property
    def tokens(self) -> Mapping[str, Any] | None:
        """The token response of the last successful redemption, else ``None``."""
        return self._caught.tokens if self._caught is not None and self._caught.ok else None

    def __repr__(self) -> str:
        if self._caught is None:
            status = "waiting for the address your browser lands on"
        else:
            status = self._caught.message.split(":")[0]
        return f"RedirectCatcher({self._client_id} → {self._redirect_uri}: {status})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self.static_html()  # what a view without widgets (GitHub, nbviewer) shows
        return bundle

    def static_html(self) -> str:
        """A saved notebook's view: says plainly that the box appears only when the cell runs."""
        note = message_html(
            f"Redirect catcher for {self._client_id}: run this cell to get the box where you paste the address "
            f"your browser lands on ({self._redirect_uri}?code=…) and the Redeem button."
        )
        shown = result_html(self._caught) if self._caught is not None else ""
        return f'<div class="tokenlab-static">{note}{shown}</div>'

    # --- private ----------------------------------------------------------------------------------

    def _on_input(self, change: dict[str, Any]) -> None:
        self._caught = None
        self._show_waiting()

    def _on_click(self, button: w.Button) -> None:
        self.redeem()

    def _show_waiting(self) -> None:
        if self._input.value.strip():
            self._result.value = message_html("Press Redeem: the app checks the address, then redeems its code.")
        else:
            self._result.value = message_html(
                f"After you sign in, copy the whole address from the browser's address bar "
                f"({self._redirect_uri}?code=…), paste it above and press Redeem."
            )

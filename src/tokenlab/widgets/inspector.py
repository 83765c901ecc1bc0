"""``FlowInspector``: the provider's recorded HTTP exchanges, one line each, raw HTTP on selection.

Each line reads ``#4 POST /token → 200 OK — token request (authorization_code)``: what the exchange was, as
the recorder classifies it (``exchange.kind``, :mod:`tokenlab.provider.exchange_kinds`). Selecting one says who
sent it to whom and which section defines it, and shows the request and the response as they crossed the socket,
with tokens shortened to their first 12 and last 6 characters (the recorder
has already masked passwords, client secrets and Basic credentials). Any token
in the exchange can be opened in a :class:`~tokenlab.widgets.TokenDecoder`
below, which verifies against the provider's key set in-process.

The list is read from ``op.exchanges`` when the widget is made and when its
Refresh button is pressed: no threads, no polling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from tokenlab.clock import Clock, format_utc
from tokenlab.errors import UsageError
from tokenlab.shortening import shorten
from tokenlab.token_format import JWT_PATTERN as JWT
from tokenlab.widgets import render
from tokenlab.widgets.decoder import TokenDecoder
from tokenlab.widgets.render import escape

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.recorder import Exchange
    from tokenlab.provider.server import MockProvider

__all__ = ["FlowInspector", "find_tokens", "shorten_tokens"]

_LONG_RUN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
_BODY_CAP = 4_000
_TOKEN_FIELDS = ("access_token", "id_token", "refresh_token")
_FORM_TOKEN_FIELDS = ("refresh_token", "token", "id_token_hint", "subject_token", "assertion")


def _short(token: str) -> str:
    return shorten(token, 12, 6, keep_whole_up_to=24)


def shorten_tokens(text: str) -> str:
    """``text`` with every JWT and every long token-like string cut to its first 12 and last 6 characters."""
    text = JWT.sub(lambda m: _short(m.group(0)), text)
    return _LONG_RUN.sub(lambda m: _short(m.group(0)), text)


def find_tokens(exchange: Exchange) -> list[tuple[str, str]]:
    """The tokens in an exchange, as ``(where, token)``: the response's token fields, a bearer
    header, the form's token fields, then any other JWT anywhere in it; each token once."""
    found: dict[str, str] = {}

    def add(name: str, value: Any) -> None:
        if isinstance(value, str) and value and value not in found:
            found[value] = name

    body = exchange.json()
    if isinstance(body, dict):
        for name in _TOKEN_FIELDS:
            add(f"response {name}", body.get(name))
    authorization = exchange.request_header("Authorization") or ""
    if authorization[:7].lower() == "bearer ":
        add("request Authorization: Bearer", authorization[7:].strip())
    form = exchange.form()
    for name in _FORM_TOKEN_FIELDS:
        for value in form.get(name, []):
            add(f"request {name}", value)
    for where, text in (("request", exchange.request_text()), ("response", exchange.response_text())):
        for match in JWT.finditer(text):
            add(f"JWT in the {where}", match.group(0))
    return [(name, token) for token, name in found.items()]


def _line(exchange: Exchange) -> str:
    return f"{exchange.summary()} — {exchange.kind.line()}"


def _capped(text: str) -> str:
    if len(text) <= _BODY_CAP:
        return text
    return f"{text[:_BODY_CAP]}\n… ({len(text) - _BODY_CAP:,} more characters)"


def exchange_html(exchange: Exchange) -> str:
    """One exchange as raw HTTP, tokens shortened, inside two monospace blocks."""
    pre = "font-family:var(--jp-code-font-family,monospace);font-size:0.88em;white-space:pre-wrap;word-break:break-all;margin:0.3em 0;padding:0.4em;border-left:3px solid"
    request = escape(_capped(shorten_tokens(exchange.request_text())))
    response = escape(_capped(shorten_tokens(exchange.response_text())))
    return (
        f'<div class="tl-exchange-detail" style="line-height:1.45"><div><b>{escape(exchange.summary())}</b> — {escape(exchange.kind.line())}</div>'
        f'<div class="tl-exchange-kind">{escape(exchange.kind.sentence())}</div>'
        f'<div style="color:#57606a">at {format_utc(exchange.time)} on the course clock; tokens shortened, secrets masked</div>'
        f'<pre class="tl-request" style="{pre} #0969da">{request}</pre>'
        f'<pre class="tl-response" style="{pre} #8250df">{response}</pre></div>'
    )


class FlowInspector(w.VBox):
    """The exchanges of ``provider`` (or a fixed list of ``exchanges``) as a list; the selected one as raw HTTP.

    ``clock`` and ``key`` go to the embedded decoder (defaults: the provider's clock and key set).
    """

    def __init__(
        self,
        provider: MockProvider | None = None,
        *,
        exchanges: Sequence[Exchange] | None = None,
        clock: Clock | None = None,
        key: Any = None,
    ) -> None:
        if provider is None and exchanges is None:
            raise UsageError("FlowInspector shows recorded exchanges: pass FlowInspector(op) or exchanges=op.exchanges")
        self._provider = provider
        self._fixed = None if exchanges is None else tuple(exchanges)
        self._exchanges: tuple[Exchange, ...] = ()
        self._found: list[tuple[str, str]] = []
        self._title = w.HTML()
        self._refresh_button = w.Button(
            description="Refresh", icon="refresh", layout=w.Layout(width="auto", flex="0 0 auto")
        )  # never squeezed to "Re…" by a long title
        self._list = w.Select(
            options=[], rows=10, layout=w.Layout(width="auto")
        )  # stretched, never wider than the output
        self._detail = w.HTML()
        self._tokens = w.Dropdown(
            options=[], description="token", layout=w.Layout(width="auto", flex="1 1 auto", min_width="0")
        )
        self._open = w.Button(description="Open in decoder", layout=w.Layout(width="auto"))
        self._decoder = TokenDecoder(provider=provider, clock=clock, key=key)
        for child, name in (
            (self._title, "tokenlab-inspector-title"),
            (self._refresh_button, "tokenlab-inspector-refresh"),
            (self._list, "tokenlab-inspector-list"),
            (self._detail, "tokenlab-exchange"),
            (self._tokens, "tokenlab-inspector-tokens"),
            (self._open, "tokenlab-inspector-open"),
        ):
            child.add_class(name)
        super().__init__(
            [
                w.HBox([self._title, self._refresh_button]),
                self._list,
                self._detail,
                w.HBox([self._tokens, self._open]),
                self._decoder,
            ]
        )
        self.add_class("tokenlab-inspector")
        self._refresh_button.on_click(lambda _: self.refresh())
        self._open.on_click(lambda _: self._open_selected_token())
        self._list.observe(self._on_select, names="value")
        self.refresh()

    # --- public -----------------------------------------------------------------------------------

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        return self._exchanges

    @property
    def decoder(self) -> TokenDecoder:
        """The decoder that opens the exchanges' tokens."""
        return self._decoder

    @property
    def selected(self) -> int | None:
        """The number (``#n``) of the exchange shown, or ``None``."""
        return self._list.value

    @selected.setter
    def selected(self, number: int) -> None:
        if not any(e.number == number for e in self._exchanges):
            raise UsageError(f"there is no exchange #{number}; the list has {self._range_text()}")
        self._list.value = number

    @property
    def tokens(self) -> list[tuple[str, str]]:
        """The tokens found in the selected exchange, as ``(where, token)``."""
        return list(self._found)

    def refresh(self) -> None:
        """Read the provider's exchanges again (the Refresh button)."""
        try:
            exchanges = self._fixed if self._fixed is not None else tuple(self._provider.exchanges)
        except Exception as err:  # never a traceback in a button's callback
            self._title.value = render.message_html(f"✖ Could not read the exchanges: {type(err).__name__}: {err}")
            return
        keep = self._list.value
        self._exchanges = exchanges
        self._list.options = [(_line(e), e.number) for e in exchanges]
        self._list.rows = max(2, min(12, len(exchanges)))
        numbers = [e.number for e in exchanges]
        self._list.value = keep if keep in numbers else (numbers[-1] if numbers else None)
        count = f"{len(exchanges)} exchange{'s' if len(exchanges) != 1 else ''}"
        self._title.value = (
            f'<div style="line-height:1.45"><b>{count}</b> recorded by the provider, in order; '
            "select one to read it as raw HTTP</div>"
        )
        self._show_selected()

    def open_token(self, which: int | str = 0) -> None:
        """Open a token of the selected exchange in the decoder: by index, by where it was found
        (``"response access_token"``, or just ``"access_token"``), or pass a token itself."""
        token = self._pick(which)
        self._tokens.value = token if token in [t for _, t in self._found] else self._tokens.value
        self._decoder.value = token

    def static_html(self) -> str:
        """The exchanges and the one shown, as HTML, for a view that cannot run widgets; it says so first."""
        rows = "".join(
            f'<tr><td style="font-family:monospace;padding-right:1em">{escape(e.summary())}</td>'
            f'<td style="color:#57606a">{escape(e.kind.line())}</td>'
            f'<td style="color:#57606a;padding-left:1em">{escape(e.kind.section)}</td></tr>'
            for e in self._exchanges
        )
        note = render.saved_copy_html("inspector", "list to select an exchange from and its buttons")
        parts = [note, f'<table class="tl-exchanges">{rows}</table>', self._detail.value]
        if self._decoder.value:
            parts.append(self._decoder.static_html(note=False))
        return f'<div class="tokenlab-static">{"".join(parts)}</div>'

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self.static_html()
        return bundle

    def __repr__(self) -> str:
        chosen = f", #{self.selected} selected" if self.selected is not None else ""
        return f"FlowInspector({len(self._exchanges)} exchanges{chosen})"

    # --- private ----------------------------------------------------------------------------------

    def _range_text(self) -> str:
        if not self._exchanges:
            return "no exchanges"
        return f"#{self._exchanges[0].number} to #{self._exchanges[-1].number}"

    def _pick(self, which: int | str) -> str:
        if isinstance(which, int) and not isinstance(which, bool):
            if not 0 <= which < len(self._found):
                raise UsageError(f"exchange #{self.selected} has {len(self._found)} token(s), so no index {which}")
            return self._found[which][1]
        if isinstance(which, str):
            for where, token in self._found:
                if which in (where, where.split(" ", 1)[-1]):
                    return token
            return which  # a token given directly
        raise UsageError(f"open_token takes an index, a name such as 'access_token', or a token, not {which!r}")

    def _on_select(self, change: dict[str, Any]) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        try:
            exchange = next((e for e in self._exchanges if e.number == self._list.value), None)
            if exchange is None:
                self._detail.value = render.message_html("No exchange recorded yet: run a flow, then press Refresh.")
                self._found = []
            else:
                self._detail.value = exchange_html(exchange)
                self._found = find_tokens(exchange)
            self._tokens.options = [(f"{where}: {_short(token)}", token) for where, token in self._found]
            self._tokens.index = 0 if self._found else None  # a Dropdown that was empty would stay on None
            self._tokens.disabled = self._open.disabled = not self._found
        except Exception as err:  # never a traceback in the widget
            self._detail.value = render.message_html(f"✖ Could not show the exchange: {type(err).__name__}: {err}")

    def _open_selected_token(self) -> None:
        if self._tokens.value:
            self._decoder.value = self._tokens.value

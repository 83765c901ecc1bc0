"""``TokenDecoder``: paste a token, see its parts, its claims, its warnings, and, apart, whether it verifies.

>>> from tokenlab import Clock, demo_key, sign
>>> clock = Clock.frozen()
>>> token = sign({"sub": "alice", "exp": clock.timestamp() + 300}, demo_key("ES256"))
>>> decoder = TokenDecoder(token, clock=clock)
>>> decoder.verdict[:30]
'Decoded — not verified: anyone'
>>> decoder.key = demo_key("ES256").public()
>>> decoder.verdict[:26]
'✔ Verified with key es256-'

The logic lives in :mod:`tokenlab.widgets.analysis` and the markup in
:mod:`tokenlab.widgets.render`; this module only wires widgets to them. It
re-renders on every keystroke and never lets an exception out of an observer.
Tokens and keys stay in the kernel: verifying against a ``MockProvider`` reads
its key set in-process, without any HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from tokenlab.clock import Clock
from tokenlab.errors import TokenLabError
from tokenlab.tokens import DecodedToken
from tokenlab.widgets import render
from tokenlab.widgets.analysis import Analysis, Check, Tampered, analyse, key_from_text, tamper
from tokenlab.widgets.timetravel import unwatch, watch

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.server import MockProvider

__all__ = ["TokenDecoder"]

_SYSTEM = Clock.system()
_KEY_PLACEHOLDER = "Key to verify with (optional): a secret, a PEM public key, a JWK or a JWKS"


class TokenDecoder(w.VBox):
    """A JWT decoder that keeps *decoded* and *verified* apart.

    ``token`` is the text to decode; ``key`` anything :func:`tokenlab.verify` takes (a
    :class:`~tokenlab.keys.Key`, a KeySet, a JWK or JWKS dict, a PEM, a secret), or
    ``provider`` a running :class:`~tokenlab.provider.MockProvider` whose key set is used.
    Text typed in the widget's key box takes precedence over both. Times, relative
    times and expiry are read on ``clock`` (default: the provider's clock, else the
    system clock). ``aud`` and ``iss`` are checked only when ``audience`` / ``issuer``
    are given. ``tamper=True`` opens the tamper panel: edit the payload, see the token
    re-encoded with its original signature, and the signature fail.
    """

    def __init__(
        self,
        token: str = "",
        *,
        key: Any = None,
        provider: MockProvider | None = None,
        clock: Clock | None = None,
        audience: str | list[str] | None = None,
        issuer: str | None = None,
        leeway: float = 0,
        tamper: bool = False,
    ) -> None:
        self._key = key
        self._provider = provider
        self._clock_given = clock
        self._audience = audience
        self._issuer = issuer
        self._leeway = leeway
        self._raw: Any = ""
        self._quiet = False
        self._key_cache: tuple[str, Any] | None = None
        self._analysis: Analysis = analyse("")
        self._tampered: Tampered | None = None
        self._tampered_analysis: Analysis | None = None

        super().__init__(self._make_children(tamper))
        self.add_class("tokenlab-decoder")
        self._connect()
        self._update_key_placeholder()
        self.value = token

    def _make_children(self, tamper: bool) -> list[w.Widget]:
        """The boxes a learner types in and the panes that explain, top to bottom, each with a CSS class
        (``tokenlab-…``) that the browser tests find it by."""
        self._input = w.Textarea(
            placeholder="Paste a token here: eyJhbGciOi…",
            continuous_update=True,
            rows=4,
            layout=w.Layout(width="auto"),  # stretched by the VBox; a width of 100% plus the margins overflows
        )
        self._key_input = w.Textarea(continuous_update=True, rows=1, layout=w.Layout(width="auto"))
        self._segments = w.HTML()
        self._verdict = w.HTML()
        self._claims = w.HTML()
        self._warnings = w.HTML()
        self._tamper_toggle = w.Checkbox(value=tamper, description="Tamper mode: edit the payload", indent=False)
        self._tamper_input = w.Textarea(continuous_update=True, rows=8, layout=w.Layout(width="auto"))
        self._tamper_output = w.HTML()
        self._tamper_box = w.VBox([self._tamper_input, self._tamper_output])
        for child, name in (
            (self._input, "tokenlab-decoder-input"),
            (self._key_input, "tokenlab-decoder-key"),
            (self._segments, "tokenlab-segments"),
            (self._verdict, "tokenlab-verdict"),
            (self._claims, "tokenlab-claims"),
            (self._warnings, "tokenlab-warnings"),
            (self._tamper_toggle, "tokenlab-tamper-toggle"),
            (self._tamper_input, "tokenlab-tamper-input"),
            (self._tamper_output, "tokenlab-tamper-output"),
            (self._tamper_box, "tokenlab-tamper"),
        ):
            child.add_class(name)
        return [
            self._input,
            self._key_input,
            self._segments,
            self._verdict,
            self._claims,
            self._warnings,
            self._tamper_toggle,
            self._tamper_box,
        ]

    def _connect(self) -> None:
        """Render again when the clock moves or a box's ``value`` changes."""
        self._watched = self.clock
        watch(self._watched, self)
        self._input.observe(self._on_input, names="value")
        self._key_input.observe(self._on_key, names="value")
        self._tamper_toggle.observe(self._on_toggle, names="value")
        self._tamper_input.observe(self._on_tamper, names="value")

    # --- public -----------------------------------------------------------------------------------

    @property
    def value(self) -> str:
        """The token text in the input box."""
        return self._input.value

    @value.setter
    def value(self, token: Any) -> None:
        """Set the token. Anything is accepted; what is not text is explained, not raised."""
        if isinstance(token, str):
            self._raw = token
            if self._input.value == token:
                self._render()
            else:
                self._input.value = token  # the observer renders
            return
        self._raw = token
        self._quiet = True
        try:
            self._input.value = ""
        finally:
            self._quiet = False
        self._render()

    @property
    def key(self) -> Any:
        """The key used to verify: the key box's text if any, else the key given in Python."""
        return self._key_input.value if self._key_input.value.strip() else self._key

    @key.setter
    def key(self, key: Any) -> None:
        """Text goes into the key box (a learner sees and can edit it); other keys are held, not shown."""
        if isinstance(key, str):
            self._key_input.value = key
            return
        self._key = key
        self._quiet = True
        try:
            self._key_input.value = ""
        finally:
            self._quiet = False
        self._update_key_placeholder()
        self._render()

    @property
    def provider(self) -> MockProvider | None:
        return self._provider

    @property
    def clock(self) -> Clock:
        """The clock for relative times and expiry: the one given, the provider's, or the system's."""
        if self._clock_given is not None:
            return self._clock_given
        provider_clock = getattr(self._provider, "clock", None)
        return provider_clock if isinstance(provider_clock, Clock) else _SYSTEM

    @clock.setter
    def clock(self, clock: Clock | None) -> None:
        self._clock_given = clock
        unwatch(self._watched, self)
        self._watched = self.clock
        watch(self._watched, self)
        self._render()

    @property
    def audience(self) -> str | list[str] | None:
        return self._audience

    @audience.setter
    def audience(self, audience: str | list[str] | None) -> None:
        self._audience = audience
        self._render()

    @property
    def issuer(self) -> str | None:
        return self._issuer

    @issuer.setter
    def issuer(self, issuer: str | None) -> None:
        self._issuer = issuer
        self._render()

    @property
    def tamper(self) -> bool:
        """Whether the tamper panel is open."""
        return self._tamper_toggle.value

    @tamper.setter
    def tamper(self, on: bool) -> None:
        self._tamper_toggle.value = bool(on)

    @property
    def tampered_claims(self) -> str:
        """The payload JSON in the tamper box; set it with JSON text or a dict."""
        return self._tamper_input.value

    @tampered_claims.setter
    def tampered_claims(self, claims: Any) -> None:
        if isinstance(claims, Mapping):
            claims = json.dumps(dict(claims), indent=2, ensure_ascii=False)
        self._tamper_input.value = str(claims)

    @property
    def tampered_token(self) -> str | None:
        """The re-encoded token of the tamper panel (``None`` while the edit is not a JSON object)."""
        return self._tampered.token if self._tampered is not None else None

    @property
    def decoded(self) -> DecodedToken | None:
        """The decoded token, or ``None`` when the input is not a whole JWT."""
        return self._analysis.decoded

    @property
    def analysis(self) -> Analysis:
        return self._analysis

    @property
    def check(self) -> Check:
        return self._analysis.check

    @property
    def verdict(self) -> str:
        """The verdict as plain text: what verifying proved, or why nothing could be (one line, never two)."""
        return render.verdict_line(self._analysis)

    def refresh(self) -> None:
        """Render again (after the clock moved, or the provider rotated its keys)."""
        self._render()

    def __repr__(self) -> str:
        decoded = self._analysis.decoded
        what = f"{decoded.header.get('alg')} JWT, {len(decoded.claims)} claims: " if decoded is not None else ""
        return f"TokenDecoder({what}{render.short_verdict(self._analysis)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self.static_html()  # what a view without widgets (GitHub, nbviewer) shows
        return bundle

    def static_html(self, *, note: bool = True) -> str:
        """The decoder's current output as one HTML snippet, without the input boxes: what a view that cannot
        run widgets shows. ``note`` puts first a line saying so (that the cell must be run to use it)."""
        parts = [render.saved_copy_html("decoder", "boxes to paste a token and a key")] if note else []
        parts += [self._segments.value, self._verdict.value, self._claims.value, self._warnings.value]
        if self.tamper and self._tampered is not None:
            parts.append(self._tamper_output.value)
        return f'<div class="tokenlab-static">{"".join(parts)}</div>'

    # --- private ----------------------------------------------------------------------------------

    def _on_input(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._raw = change["new"]
            self._render()

    def _on_key(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._render()

    def _on_toggle(self, change: dict[str, Any]) -> None:
        self._render_tamper(reset=True)

    def _on_tamper(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._render_tamper(reset=False)

    def _update_key_placeholder(self) -> None:
        if self._key is not None:
            self._key_input.placeholder = "Verifying with the key given in Python; type here to use another key"
        elif self._provider is not None:
            self._key_input.placeholder = "Verifying with the provider's key set (JWKS); type here to use another key"
        else:
            self._key_input.placeholder = _KEY_PLACEHOLDER

    def _key_source(self) -> tuple[Any, str]:
        """The key to verify with, and how to describe where it came from."""
        text = self._key_input.value
        if text.strip():
            if self._key_cache is None or self._key_cache[0] != text:
                try:
                    self._key_cache = (text, key_from_text(text))
                except TokenLabError as err:
                    self._key_cache = (text, err)
            return self._key_cache[1], "from the key box"
        if self._key is not None:
            return self._key, ""
        if self._provider is not None:
            return self._provider.app.key_set(), "from the provider's key set"
        return None, ""

    def _analyse(self, raw: Any) -> Analysis:
        key, label = self._key_source()
        if isinstance(key, TokenLabError):
            result = analyse(raw, clock=self.clock)
            if result.decoded is None:
                return result
            return replace(result, check=Check("bad_key", str(key), type(key).__name__))
        return analyse(
            raw,
            key=key,
            key_label=label,
            clock=self.clock,
            audience=self._audience,
            issuer=self._issuer,
            leeway=self._leeway,
        )

    def _render(self) -> None:
        try:
            raw = self._raw  # over tokens.MAX_TOKEN_CHARS, analyse refuses it before decoding and shows a preview
            previous = self._analysis.decoded
            self._analysis = analysis = self._analyse(raw)
            self._segments.value = render.segments_html(analysis)
            self._verdict.value = render.verdict_html(analysis)
            self._claims.value = render.claims_html(analysis)
            self._warnings.value = render.warnings_html(analysis)
            same_token = (
                previous is not None and analysis.decoded is not None and previous.token == analysis.decoded.token
            )
            self._render_tamper(reset=not same_token)
        except Exception as err:  # last resort: a plain message, never a traceback in the widget
            self._verdict.value = render.message_html(f"✖ The decoder failed: {type(err).__name__}: {err}")

    def _render_tamper(self, *, reset: bool) -> None:
        try:
            decoded = self._analysis.decoded
            self._tamper_box.layout.display = None if self.tamper else "none"
            if decoded is None:
                self._tampered = self._tampered_analysis = None
                self._set_tamper_text("")
                self._tamper_output.value = render.message_html("Tampering needs a token that decodes.")
                return
            if reset or not self._tamper_input.value.strip():
                self._set_tamper_text(json.dumps(decoded.claims, indent=2, ensure_ascii=False))
            if not self.tamper:
                self._tampered = self._tampered_analysis = None
                return
            self._tampered = tampered = tamper(decoded, self._tamper_input.value)
            self._tampered_analysis = None if tampered.token is None else self._analyse(tampered.token)
            self._tamper_output.value = render.tamper_html(tampered, self._tampered_analysis)
        except Exception as err:  # last resort, as in _render
            self._tamper_output.value = render.message_html(f"✖ Tampering failed: {type(err).__name__}: {err}")

    def _set_tamper_text(self, text: str) -> None:
        self._quiet = True
        try:
            self._tamper_input.value = text
        finally:
            self._quiet = False

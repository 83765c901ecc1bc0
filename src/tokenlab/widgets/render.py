"""HTML for the widgets, built by plain functions from plain data.

Everything that came from a token, a key or an HTTP exchange is passed through
:func:`html.escape`: a claim that says ``<script>`` is shown as text. Styles
are inline, so the same markup reads the same in JupyterLab, in a static
notebook view and in a test. Colours follow jwt.io: header red, payload
purple, signature blue.
"""

from __future__ import annotations

from html import escape as _escape

from tokenlab.shortening import shorten
from tokenlab.widgets.analysis import Analysis, Check, Tampered

__all__ = [
    "COLOURS",
    "attribute",
    "claims_html",
    "escape",
    "message_html",
    "saved_copy_html",
    "segments_html",
    "short_verdict",
    "tamper_html",
    "verdict_html",
    "verdict_line",
    "warnings_html",
]


def escape(text: str) -> str:
    """Text for an element's content; attributes use :func:`attribute`."""
    return _escape(text, quote=False)


def attribute(text: str) -> str:
    return _escape(text, quote=True)


COLOURS = {"header": "#fb015b", "payload": "#d63aff", "signature": "#00b9f1", "extra": "#888888"}
_PART_NAMES = ("header", "payload", "signature")
_MONO = "font-family:var(--jp-code-font-family,monospace);font-size:0.92em"
_BLOCK = f"{_MONO};word-break:break-all;overflow-wrap:anywhere;white-space:pre-wrap;line-height:1.45"
_GOOD, _BAD, _QUIET = "#1a7f37", "#cf222e", "#57606a"
_PREVIEW = 2_000  # characters of a very long input shown in the segment block


def message_html(text: str, *, colour: str = _QUIET) -> str:
    """One plain message (used when something unexpected went wrong: never a traceback)."""
    return f'<div class="tl-message" style="color:{colour};line-height:1.45">{escape(text)}</div>'


def saved_copy_html(widget: str, controls: str) -> str:
    """The first line of a widget's saved copy (its ``text/html`` fallback, shown where the widget cannot run:
    a reopened notebook whose cell has not run yet, GitHub, nbviewer): it is a picture, not the widget."""
    return (
        '<div class="tl-saved-copy" style="border-left:4px solid #bf8700;background-color:#fff8c5;color:#3b2300;'
        'padding:0.3em 0.6em;margin:0.2em 0 0.4em;line-height:1.45">'
        f"<b>Saved output, not the live {escape(widget)}:</b> this copy shows what it said when the notebook was "
        f"last run, and its {escape(controls)} are not here. Run this cell (Shift+Enter) to use the {escape(widget)}."
        "</div>"
    )


def segments_html(analysis: Analysis, *, changed_payload: bool = False) -> str:
    """The token's parts, coloured, in a monospace block that wraps anywhere."""
    if not analysis.parts:
        if analysis.empty:
            return '<div class="tl-segments tl-empty" style="color:#57606a">Paste a token above (it starts with eyJ…).</div>'
        shown = escape(analysis.text[:200])
        more = f" … ({analysis.length:,} characters in all)" if analysis.length > 200 else ""
        return f'<div class="tl-segments" style="{_BLOCK};color:{COLOURS["extra"]}">{shown}{escape(more)}</div>'
    spans = []
    budget = _PREVIEW
    for index, part in enumerate(analysis.parts):
        name = _PART_NAMES[index] if index < 3 and len(analysis.parts) <= 3 else "extra"
        colour = COLOURS[name]
        mark = ";background:#fff2a8" if changed_payload and name == "payload" else ""
        text = shorten(part, budget)
        budget = max(0, budget - len(part))
        spans.append(f'<span class="tl-{name}" style="color:{colour}{mark}" title="{name}">{escape(text)}</span>')
    dot = '<span class="tl-dot" style="color:#57606a;font-weight:bold">.</span>'
    return f'<div class="tl-segments" style="{_BLOCK}">{dot.join(spans)}</div>'


def claims_html(analysis: Analysis) -> str:
    """Header parameters and claims as one table: name, value as read (times in UTC and relative), meaning."""
    if analysis.empty:
        return ""
    if not analysis.explanations:
        return '<div class="tl-claims-empty" style="color:#57606a">No header or claims could be decoded.</div>'
    rows = []
    for part in ("header", "payload"):
        items = [e for e in analysis.explanations if e.part == part]
        if not items:
            continue
        colour = COLOURS[part]
        title = "header (JOSE header)" if part == "header" else "payload (claims)"
        rows.append(
            f'<tr class="tl-section"><th colspan="3" style="text-align:left;color:{colour};'
            f'border-bottom:2px solid {colour}">{title}</th></tr>'
        )
        for item in items:
            rows.append(
                f'<tr class="tl-row tl-{part}-row" data-name="{attribute(item.name)}" style="vertical-align:top">'
                f"<td><code><b>{escape(item.name)}</b></code></td>"
                f'<td style="word-break:break-all"><code>{escape(item.shown)}</code></td>'
                f'<td style="color:{_QUIET}">{escape(item.meaning)}</td></tr>'
            )
    return f'<table class="tl-table" style="border-spacing:0.8em 0.25em;width:100%;line-height:1.35">{"".join(rows)}</table>'


def warnings_html(analysis: Analysis) -> str:
    """What is wrong with the input (✖) and what is worrying in the token (⚠)."""
    if analysis.empty:
        return ""
    items = [
        f'<li class="tl-problem" style="color:{_BAD}">✖ {escape(problem)}</li>' for problem in analysis.problems
    ] + [
        f'<li class="tl-warning" data-code="{attribute(w.code)}">⚠ <code>{escape(w.code)}</code> {escape(w.message)}</li>'
        for w in analysis.warnings
    ]
    if not items:
        return '<div class="tl-no-warnings" style="color:#57606a">No warnings.</div>'
    return f'<ul class="tl-warnings" style="list-style:none;padding-left:0;margin:0.3em 0;line-height:1.45">{"".join(items)}</ul>'


_NOT_VERIFIED = (
    "Decoded — not verified: anyone can write a header and claims; only a signature checked with a trusted key "
    "says whether to believe them."
)


def _unverifiable_line(analysis: Analysis) -> str | None:
    """The verdict when there is no complete token to verify (``None`` when there is one)."""
    if analysis.empty:
        return "Nothing to decode yet: paste a token in the box above."
    if analysis.state == "partial":
        return "Partly decoded — the input is not a complete JWT (what is wrong is listed below), so nothing can be verified."
    if analysis.state == "broken":
        first = analysis.problems[0] if analysis.problems else "the input is not a JWT"
        return f"Not decoded — {first}"
    return None


def _verified_line(check: Check) -> str:
    error = f"{check.error}: " if check.error else ""
    by = f" with key {check.key_label}" if check.key_label else ""
    return {
        "no_token": "Not verified — there is no complete token to verify.",
        "no_key": f"{_NOT_VERIFIED} No key given: to verify, paste a secret, a PEM public key, a JWK or a JWKS in "
        "the key box (or use TokenDecoder(key=…) or TokenDecoder(provider=op)).",
        "valid": f"✔ Verified{by}: {'; '.join(check.checked)}.",
        "invalid_signature": f"✘ Signature INVALID{by}: {error}{check.message}",
        "rejected_claims": f"✘ Signature valid{by}, but the token is REJECTED: {error}{check.message}",
        "rejected": f"✘ Not verified — refused before the signature was checked: {error}{check.message}",
        "bad_key": f"✘ Not verified — the key cannot be used: {error}{check.message}",
        "error": f"✘ Not verified — {error}{check.message}",
    }[check.status]


def short_verdict(analysis: Analysis) -> str:
    """A few words for a repr: ``decoded; verified with rs256-… (RS256)``."""
    decoded = {"decoded": "decoded", "partial": "partly decoded", "broken": "not decoded"}[analysis.state]
    if analysis.empty:
        decoded = "empty"
    check = analysis.check
    by = f" with {check.key_label}" if check.key_label else ""
    verified = {
        "no_token": "not verified",
        "no_key": "not verified (no key)",
        "valid": f"verified{by}",
        "invalid_signature": f"signature INVALID ({check.error})",
        "rejected_claims": f"signature valid, token rejected ({check.error})",
        "rejected": f"rejected before the signature check ({check.error})",
        "bad_key": f"key unusable ({check.error})",
        "error": f"not verified ({check.error})",
    }[check.status]
    return f"{decoded}; {verified}"


def verdict_line(analysis: Analysis) -> str:
    """The one verdict, as plain text: what verifying proved, or why nothing could be verified.

    Never two lines that could contradict each other: a valid signature is "✔ Verified …" alone, and
    "decoded — not verified" is said only when no key was given."""
    return _unverifiable_line(analysis) or _verified_line(analysis.check)


def verdict_html(analysis: Analysis) -> str:
    line = verdict_line(analysis)
    status = analysis.check.status
    if status == "valid":
        colour = _GOOD
    elif analysis.empty:
        colour = _QUIET
    elif line.startswith("✘") or analysis.state != "decoded":
        colour = _BAD
    else:
        colour = _QUIET
    weight = "bold" if status != "no_key" else "normal"
    return (
        f'<div class="tl-verdict" data-status="{status}" data-state="{analysis.state}" '
        f'style="line-height:1.45;margin:0.3em 0;color:{colour};font-weight:{weight}">{escape(line)}</div>'
    )


def tamper_html(tampered: Tampered, analysis: Analysis | None) -> str:
    """The re-encoded token (changed payload highlighted) and what verifying it now says."""
    if tampered.token is None:
        return message_html(f"✖ {tampered.problem}", colour=_BAD)
    if analysis is None:  # pragma: no cover - the widget always analyses a re-encoded token
        return ""
    if tampered.changed:
        names = ", ".join(tampered.changed)
        head = f"Changed {names}: the payload was re-encoded, the header and the signature were kept."
    else:
        head = "Nothing changed yet: edit a claim above (for example the scope or the exp)."
    return (
        f'<div class="tl-tampered"><div style="color:#57606a">{escape(head)}</div>'
        f"{segments_html(analysis, changed_payload=bool(tampered.changed))}{verdict_html(analysis)}</div>"
    )
